package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"golang.org/x/sync/errgroup"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
)

// Defaults for Options.
const (
	DefaultConcurrency  = 4
	DefaultMaxJSONBytes = 4 << 20   // a metadata file or provenance record
	DefaultMaxFileBytes = 256 << 20 // an image or original
	DefaultFetchTimeout = 2 * time.Minute
	// MaxTokens is the most tokens one run checks without --only: a contract
	// reporting more is verified in ranges.
	MaxTokens = 1_000_000
)

// Options are Run's inputs.
type Options struct {
	// Chain is the deployed collection. Nil verifies the pinned collection
	// from the pin record alone (tokenURI = the record's baseURI + id).
	Chain Chain
	// Content is where the IPFS bytes come from. Wrap a network source
	// with WithRetry.
	Content Content
	// Pin is the collection's latest pin record, when verification runs in
	// the collection's folder. Then every tokenURI must be its baseURI plus
	// the id, totalSupply must be its number of tokens, and CIDs are
	// re-derived under its import profile. Nil when verifying someone
	// else's collection.
	Pin *pin.Record
	// Profile re-derives CIDs when Pin is nil (zero: unixfs.DefaultProfile).
	Profile unixfs.Profile
	// IDs limits the tokens checked (nil: 1..totalSupply, or the pin
	// record's tokens).
	IDs []int
	// Concurrency is how many tokens are checked at once.
	Concurrency int
	// MaxJSONBytes and MaxFileBytes cap what is read for one file.
	MaxJSONBytes, MaxFileBytes int64
	// FetchTimeout bounds one read from Content; running out counts as
	// "not retrievable" for that token.
	FetchTimeout time.Duration
	// Placeholder is the placeholder baseURI the contract shows before
	// 'genmint reveal' (a collection deployed with reveal:, not yet
	// revealed): every tokenURI must be it plus the id and resolve to the
	// placeholder metadata and its image; the real content is then checked
	// from Pin's baseURI (when Pin is set), and the commitment against it.
	Placeholder string
	// Facts are genmint.yaml's collection facts, when verification runs in
	// the collection's folder: the metadata fields the spec decides
	// (display_type, max_value, background_color, the licence, contractURI's
	// banner_image, featured_image and collaborators) are re-derived from
	// them. Nil when verifying someone else's collection.
	Facts *pin.MetadataFacts
	// Dir is the collection's folder, for the spec's local files (banner
	// and featured images); "" without one.
	Dir string
	// RequireAIGC fails tokens without ERC-7007 data on chain (by default
	// the check runs only where the contract has data for the token).
	RequireAIGC bool
	// C2PA checks each image's Content Credentials (nil: not checked).
	C2PA *C2PA
	// Started, when set, hears how many tokens will be checked, once, before
	// the first Progress call.
	Started func(tokens int)
	// Progress, when set, hears each token's result in id order, as soon
	// as it and every token before it are done. Calls never overlap.
	Progress func(TokenResult)
}

// ErrNothingToVerify: neither a chain nor a pin record names any token.
var ErrNothingToVerify = errors.New("nothing to verify: pass --rpc URL --contract ADDR for a minted collection, run 'genmint pin' first, or check the files with --local")

// Run verifies tokens link by link (see the package comment). The report
// lists every token's result; the error is non-nil only when a source
// could not be used (it wraps ErrUnavailable for a dead node or RPC
// endpoint) or ctx ended, and then no report is returned.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Content == nil {
		return nil, errors.New("verify: no content source")
	}
	profile := o.Profile
	if o.Pin != nil {
		profile = o.Pin.Profile
	}
	if profile.Name == "" {
		profile = unixfs.DefaultProfile
	}
	if err := profile.Validate(); err != nil {
		return nil, err
	}
	r := &Report{Profile: profile.Name, Content: o.Content.Source()}
	v := newVerifier(o, profile, &contentFiles{c: o.Content, dag: newBlockDAG(o.Content)})
	if o.Pin != nil {
		r.BaseURI = o.Pin.BaseURI
	}

	ids := slices.Clone(o.IDs)
	switch {
	case o.Chain != nil:
		r.Mode, r.Links = ModeChain, []Link{LinkChain, LinkTokenURI, LinkMetadata, LinkImage, LinkProvenance}
		ph, err := placeholderShown(ctx, o)
		if err != nil {
			return nil, err
		}
		o.Placeholder, v.o.Placeholder = ph, ph
		if ph == "" && o.Pin != nil && o.Pin.PlaceholderURI != "" {
			revealed := true
			r.Revealed = &revealed
		}
		if o.Placeholder != "" {
			revealed := false
			r.Revealed, r.PlaceholderURI = &revealed, o.Placeholder
			r.Links = []Link{LinkChain, LinkPlaceholder}
			if o.Pin != nil {
				r.Links = append(r.Links, LinkPin, LinkTokenURI, LinkMetadata, LinkImage, LinkProvenance)
			}
		}
		r.Contract, r.Chain = o.Chain.Address().Hex(), o.Chain.Source()
		supply, err := o.Chain.TotalSupply(ctx)
		if err != nil {
			return nil, chainError(o.Chain.Source(), fmt.Errorf("read totalSupply: %w", err))
		}
		r.TotalSupply = &supply
		r.Collection = append(r.Collection, supplyFailures(supply, o.Pin)...)
		if ids == nil {
			if supply > MaxTokens {
				return nil, fmt.Errorf("%s reports %d tokens: verify them in ranges with --only (e.g. --only 1-%d)", o.Chain.Source(), supply, MaxTokens)
			}
			for id := 1; id <= int(supply); id++ {
				ids = append(ids, id)
			}
		}
		if o.Placeholder == "" && o.Pin == nil && len(ids) > 0 {
			// A collector (no pin record): is the chain showing a
			// placeholder?
			ph, err := v.placeholderOnChain(ctx, slices.Min(ids))
			if err != nil {
				return nil, err
			}
			if ph != "" {
				o.Placeholder, v.o.Placeholder = ph, ph
				revealed := false
				r.Revealed, r.PlaceholderURI = &revealed, ph
				r.Links = []Link{LinkChain, LinkPlaceholder}
			}
		}
	case o.Pin != nil:
		r.Mode, r.Links = ModePin, []Link{LinkPin, LinkTokenURI, LinkMetadata, LinkImage, LinkProvenance}
		if ids == nil {
			for _, it := range o.Pin.Items {
				ids = append(ids, it.ID)
			}
		}
	default:
		return nil, ErrNothingToVerify
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if o.Started != nil {
		o.Started(len(ids))
	}

	res, err := runOrdered(ctx, ids, o.Concurrency, v.token, o.Progress)
	if err != nil {
		return nil, err
	}
	r.Results = res
	switch {
	case o.Chain != nil && o.Placeholder != "" && o.Pin == nil:
		// Before the reveal, without the collection's pin record: the
		// content is not published yet, so the commitment can only be
		// checked to exist and to be fixed.
		if err := pendingCommitment(ctx, o.Chain, r); err != nil {
			return nil, err
		}
	case o.Chain != nil && r.TotalSupply != nil && o.IDs == nil:
		if err := commitment(ctx, o.Chain, *r.TotalSupply, res, r); err != nil {
			return nil, err
		}
	}
	if o.Chain != nil {
		if err := licenseAgrees(ctx, o.Chain, res, r); err != nil {
			return nil, err
		}
	}
	if err := v.contractURI(ctx, res, r); err != nil {
		return nil, err
	}
	r.finish()
	return r, nil
}

// supplyFailures compares the contract's supply with the pin record.
func supplyFailures(supply uint64, rec *pin.Record) []Failure {
	switch {
	case rec != nil && supply < uint64(len(rec.Items)):
		return []Failure{{Link: LinkChain, Check: "supply", Message: "the contract has fewer tokens than the collection pinned",
			Expected: fmt.Sprint(len(rec.Items)), Got: fmt.Sprint(supply), Fix: "mint the remaining items with 'genmint mint'"}}
	case rec != nil && supply > uint64(len(rec.Items)):
		return []Failure{{Link: LinkChain, Check: "supply", Message: "the contract has more tokens than the collection pinned",
			Expected: fmt.Sprint(len(rec.Items)), Got: fmt.Sprint(supply), Fix: "tokens were minted without pinned metadata: pin the new items ('genmint pin') and check --contract"}}
	case rec == nil && supply == 0:
		return []Failure{{Link: LinkChain, Check: "supply", Message: "the contract has no tokens",
			Expected: "at least 1", Got: "0", Fix: "check --contract and --rpc, or mint the collection with 'genmint mint'"}}
	}
	return nil
}

// verifier holds what every token's check shares.
type verifier struct {
	o       Options
	profile unixfs.Profile
	files   tokenFiles
	byID    map[int]pin.ItemCIDs
	// placeholder: the placeholder metadata's CID once one token's was
	// checked in full (every token's must be the same file).
	phMu         sync.Mutex
	phCID        cid.Cid
	phLicense    string
	phLicenseURL string
	// tokenURI returns token id's URI when there is no chain; nil means
	// from the pin record (byID).
	tokenURI func(id int) (string, bool)
}

func newVerifier(o Options, profile unixfs.Profile, files tokenFiles) *verifier {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxJSONBytes <= 0 {
		o.MaxJSONBytes = DefaultMaxJSONBytes
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = DefaultFetchTimeout
	}
	v := &verifier{o: o, profile: profile, files: files, byID: map[int]pin.ItemCIDs{}}
	if o.Pin != nil {
		for _, it := range o.Pin.Items {
			v.byID[it.ID] = it
		}
	}
	return v
}

// tokenFiles is where a token's files come from: IPFS through a Content,
// or (Local) the collection folder with the CIDs recomputed from it.
type tokenFiles interface {
	// source names it for messages.
	source() string
	// entry returns the CID the directory root links name to.
	entry(ctx context.Context, root cid.Cid, name string) (cid.Cid, error)
	// cat returns the bytes served for root/name, at most limit.
	cat(ctx context.Context, root cid.Cid, name string, limit int64) ([]byte, error)
}

// contentFiles reads a token's files from a Content: directory entries
// from the directory's own (hash-checked) blocks, file bytes by path.
type contentFiles struct {
	c   Content
	dag *blockDAG
}

func (f *contentFiles) source() string { return f.c.Source() }

func (f *contentFiles) entry(ctx context.Context, root cid.Cid, name string) (cid.Cid, error) {
	return entry(ctx, f.dag, root, name)
}

func (f *contentFiles) cat(ctx context.Context, root cid.Cid, name string, limit int64) ([]byte, error) {
	return f.c.Cat(ctx, root, name, limit)
}

// runOrdered runs work over ids, n at a time, and hands each result to
// emit in id order as soon as it and all before it are done. The first
// error cancels the rest and is returned.
func runOrdered(ctx context.Context, ids []int, n int, work func(context.Context, int) (TokenResult, error), emit func(TokenResult)) ([]TokenResult, error) {
	if n <= 0 {
		n = DefaultConcurrency
	}
	results := make([]TokenResult, len(ids))
	done := make([]bool, len(ids))
	var mu sync.Mutex
	next := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for i, id := range ids {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			res, err := work(gctx, id)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			results[i], done[i] = res, true
			for next < len(ids) && done[next] {
				if emit != nil {
					emit(results[next])
				}
				next++
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}
