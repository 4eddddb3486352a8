package verify

import (
	"context"
	"fmt"
)

// baseURIer is a Chain that reports its contract's baseURI, so a
// collection pinned with a placeholder is known to be revealed or not.
type baseURIer interface {
	BaseURI(ctx context.Context) (string, error)
}

// BaseURI implements baseURIer.
func (c *ContractChain) BaseURI(ctx context.Context) (string, error) {
	info, err := c.c.Info(ctx)
	if err != nil {
		return "", err
	}
	return info.BaseURI, nil
}

// placeholderShown is the placeholder baseURI when the chain shows the
// pin record's placeholder (the collection is not revealed), else "".
func placeholderShown(ctx context.Context, o Options) (string, error) {
	if o.Placeholder != "" || o.Chain == nil || o.Pin == nil || o.Pin.PlaceholderURI == "" {
		return o.Placeholder, nil
	}
	b, ok := o.Chain.(baseURIer)
	if !ok {
		return "", nil
	}
	uri, err := b.BaseURI(ctx)
	if err != nil {
		return "", chainError(o.Chain.Source(), fmt.Errorf("read baseURI: %w", err))
	}
	if uri == o.Pin.PlaceholderURI {
		return uri, nil
	}
	return "", nil
}
