package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/genmint/genmint/pin"
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

// placeholderOnChain is the contract's baseURI when, read without the
// collection's pin record (a collector's check), it shows a placeholder:
// token id's metadata under it is placeholder metadata (a name and an
// image, nothing of the real collection) rather than a token's. "" when it
// is not, or when that cannot be read: the token checks then report why.
func (v *verifier) placeholderOnChain(ctx context.Context, id int) (string, error) {
	b, ok := v.o.Chain.(baseURIer)
	if !ok {
		return "", nil
	}
	base, err := b.BaseURI(ctx)
	if err != nil {
		return "", chainError(v.o.Chain.Source(), fmt.Errorf("read baseURI: %w", err))
	}
	root, name, err := parseIPFSURI(base + strconv.Itoa(id))
	if err != nil {
		return "", nil
	}
	fctx, cancel := context.WithTimeout(ctx, v.o.FetchTimeout)
	data, err := v.files.cat(fctx, root, name, v.o.MaxJSONBytes)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", nil
	}
	if !isPlaceholder(data) {
		return "", nil
	}
	return base, nil
}

// isPlaceholder: b is placeholder metadata (pin.PlaceholderMetadata, no
// other field), which a revealed token's metadata never is.
func isPlaceholder(b []byte) bool {
	var md pin.PlaceholderMetadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&md) == nil && md.Name != "" && md.Image != ""
}
