package pin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/pin/unixfs/unixfstest"
)

// conformance runs the Pinner contract over one implementation: Pinned is
// false before and true after, Pin returns the root's CID, a second Pin is
// a cheap no-op with the same answer, and a cancelled context is reported
// as such.
func conformance(t *testing.T, newPinner func(t *testing.T, roots []cid.Cid) Pinner) {
	ctx := context.Background()
	d := &unixfs.Dir{}
	for i := range 20 {
		d.AddBytes(fmt.Sprintf("%d.json", i), []byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	d.AddDir("sub").AddBytes("big.bin", unixfstest.RandBytes(9, 2<<20+7))
	dirCID, _, err := unixfs.ImportDir(ctx, d, unixfs.DefaultProfile, unixfs.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fileRoot := Root{Name: RootContract, Profile: unixfs.DefaultProfile, File: bytesOpener([]byte(`{"name":"x"}`))}
	fileRoot.CID, _, err = unixfs.ImportFile(ctx, fileRoot.File, unixfs.DefaultProfile, unixfs.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	roots := []Root{{Name: RootImages, CID: dirCID, Dir: d, Profile: unixfs.DefaultProfile}, fileRoot}
	p := newPinner(t, []cid.Cid{dirCID, fileRoot.CID})

	t.Run("pin", func(t *testing.T) {
		for _, r := range roots {
			if ok, err := p.Pinned(ctx, r.CID); err != nil || ok {
				t.Fatalf("%s pinned before Pin: %v %v", r.Name, ok, err)
			}
		}
		for _, r := range roots {
			got, err := p.Pin(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equals(r.CID) {
				t.Fatalf("%s: Pin returned %s, want %s", r.Name, got, r.CID)
			}
		}
		if c, ok := p.(Committer); ok {
			if err := c.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range roots {
			if ok, err := p.Pinned(ctx, r.CID); err != nil || !ok {
				t.Fatalf("%s not pinned after Pin: %v %v", r.Name, ok, err)
			}
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		for _, r := range roots {
			got, err := p.Pin(ctx, r)
			if err != nil || !got.Equals(r.CID) {
				t.Fatalf("%s again: %s %v", r.Name, got, err)
			}
		}
		if c, ok := p.(Committer); ok {
			if err := c.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := p.Pinned(ctx, dirCID); err != nil || !ok {
			t.Fatalf("not pinned after second Pin: %v %v", ok, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := p.Pin(cctx, roots[0]); !errors.Is(err, context.Canceled) {
			t.Fatalf("Pin with a cancelled context: %v", err)
		}
		if c, ok := p.(Committer); ok {
			c.Abort()
		}
	})
	t.Run("destination", func(t *testing.T) {
		if p.Destination() == "" {
			t.Fatal("empty destination")
		}
	})
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func TestConformanceKubo(t *testing.T) {
	conformance(t, func(t *testing.T, _ []cid.Cid) Pinner { return kuboPinner(t, testenv.StartKubo(t)) })
}

func TestConformanceCAR(t *testing.T) {
	conformance(t, func(t *testing.T, roots []cid.Cid) Pinner {
		c, err := NewCAR(filepath.Join(t.TempDir(), "x.car"), roots)
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

func TestConformancePinningService(t *testing.T) {
	conformance(t, func(t *testing.T, _ []cid.Cid) Pinner { return newPSA(t, newPSAServer(t), nil) })
}

func TestConformanceWithRetry(t *testing.T) {
	conformance(t, func(t *testing.T, roots []cid.Cid) Pinner {
		c, err := NewCAR(filepath.Join(t.TempDir(), "x.car"), roots)
		if err != nil {
			t.Fatal(err)
		}
		return WithRetry(c, testRetry)
	})
}
