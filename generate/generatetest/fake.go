// Package generatetest provides a test double of generate.Provider for the
// pipeline's and the commands' tests. It is not a provider users can pick.
package generatetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"sync"

	"github.com/genmint/genmint/generate"
)

// Fake draws a small PNG from the request's seed and counts calls per item.
// Refuse and Fail make chosen items come back refused or failed; Hook runs
// inside Generate before it answers.
type Fake struct {
	mu     sync.Mutex
	calls  map[int]int
	Refuse map[int]bool
	Fail   map[int]bool
	Hook   func(ctx context.Context, req generate.Request) error
	Size   int // image side in pixels (default 16)
}

var _ generate.Provider = (*Fake)(nil)

// New returns an empty Fake.
func New() *Fake {
	return &Fake{calls: map[int]int{}, Refuse: map[int]bool{}, Fail: map[int]bool{}}
}

// Info describes the Fake as a provider named "fake".
func Info() generate.ProviderInfo {
	return generate.ProviderInfo{Name: "fake", Summary: "test double"}
}

// Generate implements generate.Provider.
func (f *Fake) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	f.mu.Lock()
	f.calls[req.Item]++
	refuse, fail, hook := f.Refuse[req.Item], f.Fail[req.Item], f.Hook
	f.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, req); err != nil {
			return nil, err
		}
	}
	if refuse {
		return nil, &generate.RefusedError{Provider: "fake", Code: "content_policy_violation", Message: "no"}
	}
	if fail {
		return nil, errors.New("the server burned down")
	}
	side := f.Size
	if side == 0 {
		side = 16
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = byte(int(req.Seed>>(i%24)) + i)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	seed := uint64(req.Seed)
	return &generate.Result{Image: b.Bytes(), MediaType: "image/png", Seed: &seed, Reproducible: true,
		Model: "fake-1", RequestID: fmt.Sprintf("req-%d", req.Item), Params: generate.Params{"steps": 3}}, nil
}

// Calls returns how many times item id was asked for.
func (f *Fake) Calls(id int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// Total returns how many requests were made in all.
func (f *Fake) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

// Set changes the Fake's behaviour safely while it is in use.
func (f *Fake) Set(fn func(f *Fake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// Opener returns an opener (see generate.Options.Open) that wraps f so the
// run's journal sees each call as one attempt, like the real provider stack.
func (f *Fake) Opener() func(generate.Observer) (generate.Provider, error) {
	return func(journal generate.Observer) (generate.Provider, error) {
		return observed{f, journal}, nil
	}
}

type observed struct {
	next    generate.Provider
	journal generate.Observer
}

func (o observed) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	finish, err := o.journal.Begin(ctx, req, 1)
	if err != nil {
		return nil, err
	}
	res, err := o.next.Generate(ctx, req)
	finish(res, err)
	return res, err
}
