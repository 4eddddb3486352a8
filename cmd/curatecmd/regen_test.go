package curatecmd

import (
	"reflect"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/templates"
)

// A paid provider's key is read only when the user first regenerates: curating
// needs none, and a regeneration without it says which variable to set and
// changes nothing. (curate/regen_test.go tests the regeneration itself.)
func TestRegenerateWithoutAPIKey(t *testing.T) {
	dir := t.TempDir()
	db := curatetest.New(t, dir, curatetest.Options{N: 4, Sidecars: true})
	// The TUI's store migrates curation's tables before any regeneration.
	if _, err := curate.NewStore(bg, db, dir, curate.SourceTUI); err != nil {
		t.Fatal(err)
	}
	// The openai starter, as `genmint init --template openai` writes it.
	specDir := t.TempDir()
	if _, err := templates.Write("openai", specDir, templates.Vars{Name: "Paid", Symbol: "PAID", Slug: "paid", Seed: 1}); err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := cmdutil.Test()
	fac := &cmdutil.Factory{IO: io, Dir: specDir, Getenv: func(string) string { return "" }, Now: cmdutil.Clock(func(string) string { return "" })}
	r := newRegenerator(db, dir, fac.LoadSpec, fac.Pipeline)
	before, err := db.Item(bg, 3)
	if err != nil {
		t.Fatal(err)
	}
	seed := uint32(3)
	_, err = r.Regenerate(bg, 3, &seed, nil)
	if err == nil || !strings.Contains(err.Error(), "set OPENAI_API_KEY") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want the variable to set", err)
	}
	after, err := db.Item(bg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("item 3 changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if vs, err := curate.Variants(bg, db, 3); err != nil || len(vs) != 0 {
		t.Errorf("item 3: %d variants left (%v)", len(vs), err)
	}
}
