package pin_test

import (
	"context"
	"fmt"
	"os"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
)

// How `genmint pin` drives the package: lock, open the state, open the
// destinations from the flags, run, print. (--dry-run skips
// OpenDestinations and sets Options.DryRun.)
func Example() {
	ctx := context.Background()
	dir := "my-collection"
	unlock, err := state.Lock(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer unlock()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer db.Close()

	dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{
		IPFSAPI:             "",                                 // --ipfs-api
		CAR:                 "",                                 // --car FILE
		PinningService:      "",                                 // --pinning-service URL
		PinningServiceToken: os.Getenv("PINNING_SERVICE_TOKEN"), // the variable named by --pinning-service-token-env
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // e.g. "cannot reach Kubo at http://127.0.0.1:5001 (connection refused): …"
		return
	}
	res, err := pin.Run(ctx, pin.Options{
		Dir: dir, DB: db,
		Collection: pin.MetadataFacts{Name: "Tidal Glyphs", Symbol: "TIDE"}, // from the spec
		Pinners:    dest.Pinners,
		CAR:        dest.CAR,
		Progress:   func(e pin.Event) { fmt.Fprintln(os.Stderr, e.Kind, e.Root, e.Done, e.Total) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(res.BaseURI, res.ContractURI)
}
