package pin

import (
	"context"

	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/usage"
)

// DestinationOptions are the pin command's destination flags, as given.
type DestinationOptions struct {
	// IPFSAPI is --ipfs-api; empty resolves it (IPFS_API, the local
	// repo's api file, 127.0.0.1:5001).
	IPFSAPI string
	// IPFSAuth is the Authorization header for the RPC API (its value read
	// from the variable named by --ipfs-api-auth-env), or zero.
	IPFSAuth KuboAuth
	// CAR is --car FILE: write a CAR file. Without --ipfs-api, no node is
	// used at all.
	CAR string
	// PinningService is --pinning-service URL; PinningServiceToken is the
	// token the caller read from the environment variable named by
	// --pinning-service-token-env (never a flag value itself).
	PinningService      string
	PinningServiceToken string
	// NoNode: the run has another destination (an upload), so a node is
	// used only when IPFSAPI names one.
	NoNode bool
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Retry wraps every destination (zero: DefaultRetry).
	Retry RetryPolicy
	// PSA tunes the pinning service client (poll interval, HTTP client).
	PSA PinningServiceOptions
}

// Destinations are the opened destinations, ready for Options.Pinners and
// Options.CAR.
type Destinations struct {
	Pinners []Pinner
	CAR     string
	// Kubo is the node used, or nil; KuboSource says where its address
	// came from (--ipfs-api, IPFS_API, an api file, default).
	Kubo       *Kubo
	KuboSource string
	// Remote is set when the node is not on this machine (or demands an
	// Authorization header): the run goes to it as one CAR (dag/import).
	Remote *RemoteKubo
}

// OpenDestinations turns the flags into destinations: the Kubo node
// (checked to answer, with the one-line error when it does not), unless
// only --car was asked for; the CAR file; a pinning service last, given the
// node's addresses as origins. Every Pinner is wrapped with retries.
func OpenDestinations(ctx context.Context, o DestinationOptions) (*Destinations, error) {
	if o.Retry.Attempts == 0 {
		o.Retry = DefaultRetry
	}
	d := &Destinations{CAR: o.CAR}
	if (o.CAR == "" && !o.NoNode) || o.IPFSAPI != "" {
		addr, source, err := ResolveKuboAPI(o.IPFSAPI, o.Getenv)
		if err != nil {
			return nil, usage.Errorf("%v (from %s)", err, source)
		}
		if o.IPFSAuth.Header != "" && source != "--ipfs-api" {
			return nil, usage.Errorf("--ipfs-api-auth-env is for the node named by --ipfs-api: add --ipfs-api URL")
		}
		k, err := NewKuboAuth(addr, o.IPFSAuth)
		if err != nil {
			return nil, usage.Errorf("%v", err)
		}
		if err := retry.Do(ctx, o.Retry, func(int) error { return k.Check(ctx) }); err != nil {
			return nil, err
		}
		d.Kubo, d.KuboSource = k, source
		if o.IPFSAuth.Header != "" || IsRemoteKubo(addr) {
			d.Remote = NewRemoteKubo(k, o.Retry)
			d.Pinners = append(d.Pinners, WithRetry(d.Remote, o.Retry))
		} else {
			d.Pinners = append(d.Pinners, WithRetry(k, o.Retry))
		}
	}
	if o.PinningService != "" {
		if o.PinningServiceToken == "" {
			return nil, usage.Errorf("--pinning-service needs an access token: put it in the environment variable named by --pinning-service-token-env")
		}
		if d.Kubo == nil {
			return nil, usage.Errorf("--pinning-service fetches the blocks from a node: use it with Kubo (add --ipfs-api), or upload the CAR file to the service yourself")
		}
		psaOpts := o.PSA
		if len(psaOpts.Origins) == 0 {
			origins, err := d.Kubo.Origins(ctx)
			if err != nil {
				return nil, err
			}
			psaOpts.Origins = origins
		}
		if psaOpts.Meta == nil {
			psaOpts.Meta = map[string]string{"app": "genmint"}
		}
		ps, err := NewPinningService(o.PinningService, o.PinningServiceToken, psaOpts)
		if err != nil {
			return nil, usage.Errorf("%v", err)
		}
		d.Pinners = append(d.Pinners, WithRetry(ps, o.Retry))
	}
	return d, nil
}
