package neterr

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/rpc"
)

// NotJSONRPC reports whether err, from a JSON-RPC call, means the server
// answered but is not an Ethereum JSON-RPC endpoint (a web page, an HTTP
// error page, something that is not JSON, a JSON-RPC server without the
// eth_ methods), and how to say it in a few words, never quoting the body.
func NotJSONRPC(err error) (string, bool) {
	var he rpc.HTTPError
	var hp *rpc.HTTPError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var re rpc.Error
	switch {
	case errors.As(err, &he):
		return fmt.Sprintf("it answered HTTP %s", he.Status), true
	case errors.As(err, &hp):
		return fmt.Sprintf("it answered HTTP %s", hp.Status), true
	case errors.As(err, &se), errors.As(err, &te):
		return "it answered something that is not JSON-RPC (a web page?)", true
	case errors.As(err, &re) && re.ErrorCode() == -32601:
		return "it has no eth_chainId method", true
	}
	return "", false
}
