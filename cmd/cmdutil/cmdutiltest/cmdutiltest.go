// Package cmdutiltest builds collections for command tests through the
// library and cmdutil's Factory, as the commands leave them, so a command's
// tests need no other command.
package cmdutiltest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// Pinned leaves the collection in f.Dir (its genmint.yaml must exist) as
// `genmint generate --keep-all` then `genmint pin --car car` would: every
// item generated through f's provider and kept, then pinned into the CAR
// file car. It prints nothing.
func Pinned(t testing.TB, f *cmdutil.Factory, car string) {
	t.Helper()
	ctx := context.Background()
	s := Generated(t, f)
	db, err := f.OpenState(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := make([]int, s.Count)
	for i := range ids {
		ids[i] = i + 1
	}
	if n, err := db.SetStatus(ctx, ids, state.Kept, state.Generated); err != nil || n != s.Count {
		t.Fatalf("keep: %d of %d items kept (%v)", n, s.Count, err)
	}
	dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{CAR: car, Getenv: f.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pin.Run(ctx, pin.Options{Dir: f.Dir, DB: db, Collection: pin.MetadataFactsFromSpec(s), Pinners: dest.Pinners, CAR: dest.CAR}); err != nil {
		t.Fatal(err)
	}
}

// Generated leaves the collection in f.Dir (its genmint.yaml must exist) as
// `genmint generate` would, every item generated through f's provider, and
// returns its spec. It prints nothing.
func Generated(t testing.TB, f *cmdutil.Factory) *spec.Spec {
	t.Helper()
	ctx := context.Background()
	s, err := f.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	db, err := f.OpenState(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run, err := f.Pipeline(s, slog.New(slog.DiscardHandler), 0)
	if err != nil {
		t.Fatal(err)
	}
	run.DB = db
	sum, err := pipeline.Run(ctx, run)
	if err != nil || sum.Generated+sum.AlreadyDone != s.Count {
		t.Fatalf("generate: %v %+v", err, sum)
	}
	return s
}
