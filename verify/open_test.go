package verify

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/usage"
)

func TestOpenContent(t *testing.T) {
	ctx := context.Background()
	if _, err := OpenContent(ctx, ContentOptions{Gateway: "https://u:p@gw.example"}); !errors.Is(err, usage.Err) || strings.Contains(err.Error(), "u:p") {
		t.Fatalf("gateway with credentials: %v", err)
	}
	c, err := OpenContent(ctx, ContentOptions{Gateway: "https://gw.example/ipfs/"})
	if err != nil || c.Source() != "gateway https://gw.example" {
		t.Fatalf("gateway: %v %v", c, err)
	}
	if _, ok := c.(*retrying); !ok {
		t.Fatalf("the gateway is not wrapped with retries: %T", c)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	env := map[string]string{"IPFS_API": "/ip4/127.0.0.1/tcp/" + dead[strings.LastIndexByte(dead, ':')+1:]}
	_, err = OpenContent(ctx, ContentOptions{Getenv: func(k string) string { return env[k] }})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "http://"+dead) {
		t.Fatalf("IPFS_API to a dead node: %v", err)
	}
	if _, err := OpenContent(ctx, ContentOptions{IPFSAPI: "not an address"}); !errors.Is(err, usage.Err) {
		t.Fatalf("bad --ipfs-api: %v", err)
	}
	if _, err := DialChain(ctx, "http://127.0.0.1:1", "0x123"); !errors.Is(err, usage.Err) {
		t.Fatalf("bad address: %v", err)
	}
}
