// Package fakeprov is an in-process generate.Provider for testing the
// wrappers and benchmarking the wrapper stack. It is not a fake of any real
// service: HTTP providers are tested against httptest servers that answer
// as each service documents.
package fakeprov

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genmint/genmint/generate"
)

// Provider answers every call after Latency with a small PNG, or with the
// error Fail returns for that call.
type Provider struct {
	Latency time.Duration
	// Fail, when set, decides the outcome of each call: item and the call
	// number for that item (1-based). A nil error means success.
	Fail func(item, call int) error
	// Paid and CostUSD are copied into each Result.
	Paid    bool
	CostUSD float64

	calls    sync.Map // item → *atomic.Int32
	total    atomic.Int64
	inflight atomic.Int32
	maxIn    atomic.Int32
}

var _ generate.Provider = (*Provider)(nil)

// Image is the PNG every successful call returns.
var Image = func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 31)
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// Generate sleeps Latency (or until ctx ends) and answers.
func (p *Provider) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	v, _ := p.calls.LoadOrStore(req.Item, new(atomic.Int32))
	call := int(v.(*atomic.Int32).Add(1))
	p.total.Add(1)
	n := p.inflight.Add(1)
	defer p.inflight.Add(-1)
	for {
		m := p.maxIn.Load()
		if n <= m || p.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	if p.Latency > 0 {
		t := time.NewTimer(p.Latency)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("fake item %d: %w", req.Item, ctx.Err())
		case <-t.C:
		}
	}
	if p.Fail != nil {
		if err := p.Fail(req.Item, call); err != nil {
			return nil, err
		}
	}
	return &generate.Result{Image: Image, MediaType: "image/png", Paid: p.Paid, CostUSD: p.CostUSD, RequestID: fmt.Sprintf("fake-%d-%d", req.Item, call)}, nil
}

// Calls is how many times item was asked for.
func (p *Provider) Calls(item int) int {
	if v, ok := p.calls.Load(item); ok {
		return int(v.(*atomic.Int32).Load())
	}
	return 0
}

// Total is the number of calls made.
func (p *Provider) Total() int { return int(p.total.Load()) }

// MaxInFlight is the most calls that ran at once.
func (p *Provider) MaxInFlight() int { return int(p.maxIn.Load()) }
