package pin

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/usage"
)

func TestOpenDestinations(t *testing.T) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	dead := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))

	// --car alone: no node is contacted, even a dead default one.
	d, err := OpenDestinations(ctx, DestinationOptions{CAR: "x.car", Getenv: func(k string) string {
		if k == "IPFS_API" {
			return dead
		}
		return ""
	}})
	if err != nil || d.Kubo != nil || len(d.Pinners) != 0 || d.CAR != "x.car" {
		t.Fatalf("--car: %+v %v", d, err)
	}

	// The default node, dead: the one-line error.
	_, err = OpenDestinations(ctx, DestinationOptions{IPFSAPI: dead, Getenv: noEnv})
	if !errors.Is(err, ErrKuboUnreachable) {
		t.Fatalf("dead node: %v", err)
	}

	// A pinning service without a token, or without a node to fetch from.
	if _, err := OpenDestinations(ctx, DestinationOptions{CAR: "x.car", PinningService: "https://psa.example/api", Getenv: noEnv}); !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "--pinning-service-token-env") {
		t.Fatalf("no token: %v", err)
	}
	if _, err := OpenDestinations(ctx, DestinationOptions{CAR: "x.car", PinningService: "https://psa.example/api", PinningServiceToken: "t", Getenv: noEnv}); !errors.Is(err, usage.Err) {
		t.Fatalf("PSA without a node: %v", err)
	}

	// Kubo (found through IPFS_API) then a pinning service; pins end to end.
	k := testenv.StartKubo(t)
	srv := newPSAServer(t)
	d, err = OpenDestinations(ctx, DestinationOptions{
		PinningService: srv.URL, PinningServiceToken: psaToken,
		Getenv: func(key string) string {
			if key == "IPFS_API" {
				return k.APIAddr
			}
			return ""
		},
		PSA:   PinningServiceOptions{Poll: time.Millisecond},
		Retry: testRetry,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.KuboSource != "IPFS_API" || d.Kubo.Addr() != k.API || len(d.Pinners) != 2 {
		t.Fatalf("%+v", d)
	}
	dir, db := newCollection(t, 2, 16)
	carPath := filepath.Join(t.TempDir(), "also.car")
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Destinations) != 3 || srv.lastPost.Meta["app"] != "genmint" {
		t.Fatalf("destinations %+v", res.Destinations)
	}
}
