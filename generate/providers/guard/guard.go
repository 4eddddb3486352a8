// Package guard is the wrapper that refuses to pass on an image genmint
// cannot trust.
//
// Contract: every successful Result is checked with httpsafe.CheckImage
// (format sniffed from the bytes, image.DecodeConfig and the pixel cap
// before any full decode, then a full decode to catch truncation). The
// declared MediaType must match the bytes, and is filled in when the provider
// left it empty. A rejected image is a final error (never retried: the
// service was paid and answered; asking again would pay again), wrapped in a
// *cost.ChargedError when the Result was paid. The Result's bytes are never
// modified.
package guard

import (
	"context"
	"fmt"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/generate/providers/httpsafe"
)

// Guard checks the images its inner provider returns.
type Guard struct {
	next      generate.Provider
	name      string
	maxPixels int64
}

var _ generate.Provider = (*Guard)(nil)

// New wraps next. maxPixels <= 0 means httpsafe.DefaultMaxPixels.
func New(next generate.Provider, name string, maxPixels int64) *Guard {
	return &Guard{next: next, name: name, maxPixels: maxPixels}
}

// Generate calls the inner provider and checks its image.
func (g *Guard) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	res, err := g.next.Generate(ctx, req)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("%s returned no result for item %d", g.name, req.Item)
	}
	reject := func(err error) error {
		err = fmt.Errorf("%s item %d: the service's image is not usable: %w", g.name, req.Item, err)
		if res.Paid {
			return cost.Charge(err, res.CostUSD)
		}
		return err
	}
	info, err := httpsafe.CheckImage(res.Image, g.maxPixels)
	if err != nil {
		return nil, reject(err)
	}
	switch res.MediaType {
	case "":
		res.MediaType = info.MediaType
	case info.MediaType:
	default:
		return nil, reject(fmt.Errorf("it is labelled %s but the bytes are %s: %w", res.MediaType, info.MediaType, httpsafe.ErrBadImage))
	}
	return res, nil
}
