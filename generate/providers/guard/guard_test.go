package guard

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/httpsafe"
	"github.com/genmint/genmint/generate/providers/internal/fakeprov"
	"github.com/genmint/genmint/internal/pngtest"
)

type fixed struct{ res *generate.Result }

func (f fixed) Generate(context.Context, generate.Request) (*generate.Result, error) {
	c := *f.res
	return &c, nil
}

func TestAcceptsAndLabels(t *testing.T) {
	res, err := New(fixed{&generate.Result{Image: fakeprov.Image}}, "svc", 0).Generate(context.Background(), generate.Request{Item: 1})
	if err != nil || res.MediaType != "image/png" || !bytes.Equal(res.Image, fakeprov.Image) {
		t.Fatalf("res=%+v err=%v", res, err)
	}
}

func TestRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		res  *generate.Result
		want string
	}{
		"truncated":  {&generate.Result{Image: fakeprov.Image[:len(fakeprov.Image)-20], Paid: true, CostUSD: 0.04}, "truncated"},
		"bomb":       {&generate.Result{Image: pngtest.Header(50000, 50000), Paid: true, CostUSD: 0.04}, "50000×50000"},
		"mislabeled": {&generate.Result{Image: fakeprov.Image, MediaType: "image/jpeg", Paid: true, CostUSD: 0.04}, "labelled image/jpeg"},
		"not image":  {&generate.Result{Image: []byte("<!doctype html><p>oops"), Paid: true, CostUSD: 0.04}, "not a PNG"},
	} {
		_, err := New(fixed{tc.res}, "svc", 0).Generate(context.Background(), generate.Request{Item: 7})
		if err == nil || !errors.Is(err, httpsafe.ErrBadImage) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "svc item 7") {
			t.Errorf("%s: err = %v", name, err)
		}
		if usd, ok := cost.Charged(err); !ok || usd != 0.04 {
			t.Errorf("%s: a paid bad image must be accounted as charged, got %v %v", name, usd, ok)
		}
		if generate.IsTemporary(err) {
			t.Errorf("%s: must not be retried", name)
		}
	}
	_, err := New(fixed{&generate.Result{Image: []byte("x")}}, "svc", 0).Generate(context.Background(), generate.Request{})
	if _, ok := cost.Charged(err); ok {
		t.Error("an unpaid result is not charged")
	}
}
