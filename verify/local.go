package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/postprocess"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

// LocalOptions are Local's inputs.
type LocalOptions struct {
	// Dir is the collection folder and DB its state.
	Dir string
	DB  *state.DB
	// Collection holds genmint.yaml's collection facts, with which the
	// token metadata is rebuilt exactly as `genmint pin` wrote it.
	Collection pin.MetadataFacts
	// IDs limits the items checked (nil: every item with a final image
	// that was not rejected, and every pinned item).
	IDs []int
	// Concurrency is how many items are checked at once.
	Concurrency int
	// C2PA checks each final's Content Credentials (nil: not checked).
	C2PA *C2PA
	// Started and Progress hear the number of items, then each item's
	// result in id order (see Options).
	Started  func(items int)
	Progress func(TokenResult)
}

// Local verifies the collection folder with no chain and no network:
//
//  1. each item's final image against its provenance.json
//     (provenance.Verify), and both against the hashes the state recorded;
//  2. each original against the record's and the state's hash, and
//     each animation (spec animation:) against the record's sha256, size
//     and media type (read from its bytes);
//  3. once pinned: every CID recomputed from the files — each item's
//     image, original and record, and (a dry run of `genmint pin`) every
//     root and token metadata file — against the pin record, which proves
//     the files on disk are what was pinned;
//  4. each pinned token's metadata, rebuilt from the files, link by link
//     as Run checks it on IPFS: its image, record, original and
//     animation by CID and hash, and its generation facts against the
//     record.
//
// The error is non-nil only when the state cannot be read or ctx ended.
func Local(ctx context.Context, o LocalOptions) (*Report, error) {
	items, err := o.DB.Items(ctx, state.Query{})
	if err != nil {
		return nil, err
	}
	byID := map[int]state.Item{}
	var ids []int
	for _, it := range items {
		if it.Status.Done() {
			byID[it.ID] = it
			// Rejected items are not part of the collection: checked only
			// when named.
			if it.Status != state.Rejected {
				ids = append(ids, it.ID)
			}
		}
	}
	r := &Report{Mode: ModeLocal, Links: []Link{LinkImage, LinkProvenance, LinkOriginal}}

	rec, err := pin.Latest(ctx, o.DB)
	if errors.Is(err, pin.ErrNoPinRun) {
		rec = nil
	} else if err != nil {
		return nil, err
	}
	if rec != nil {
		// Pinned items are tokens whatever their status says now.
		for _, it := range rec.Items {
			ids = append(ids, it.ID)
		}
	}
	if o.IDs != nil {
		ids = o.IDs
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	l := &local{o: o, items: byID, rec: rec}
	if rec != nil {
		r.Links = append(r.Links, LinkPin, LinkMetadata)
		r.Profile, r.BaseURI = rec.Profile.Name, rec.BaseURI
		fails, err := l.recompute(ctx)
		if err != nil {
			return nil, err
		}
		r.Collection = fails
	}
	if o.Started != nil {
		o.Started(len(ids))
	}
	res, err := runOrdered(ctx, ids, o.Concurrency, l.item, o.Progress)
	if err != nil {
		return nil, err
	}
	r.Results = res
	if l.animated.Load() {
		// After original: the order the token check follows.
		r.Links = slices.Insert(r.Links, slices.Index(r.Links, LinkOriginal)+1, LinkAnimation)
	}
	r.finish()
	return r, nil
}

type local struct {
	o     LocalOptions
	items map[int]state.Item
	rec   *pin.Record

	// Set by recompute when the files re-derive the pin record's roots:
	// the token checker over the folder, and the record's items by id.
	tokens *verifier
	pinned map[int]pin.ItemCIDs
	stale  map[int]Failure // items whose CIDs in the record are not the recomputed ones

	animated atomic.Bool // an item checked has an animation
}

// recompute redoes `genmint pin`'s computation (a dry run) and compares
// every root with the pin record. When they all match, it prepares the
// token checker over the folder.
func (l *local) recompute(ctx context.Context) ([]Failure, error) {
	rec := l.rec
	l.pinned = map[int]pin.ItemCIDs{}
	for _, it := range rec.Items {
		l.pinned[it.ID] = it
	}
	meta := map[int][]byte{} // pin never calls Metadata concurrently
	res, err := pin.Run(ctx, pin.Options{Dir: l.o.Dir, DB: l.o.DB, Collection: l.o.Collection, Profile: rec.Profile, DryRun: true,
		Metadata: func(id int, b []byte) { meta[id] = bytes.Clone(b) }})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return []Failure{{Link: LinkPin, Check: "recompute", Message: "the pinned CIDs cannot be recomputed from the files (" + err.Error() + ")",
			Fix: "fix what the items below report, then run 'genmint verify --local' again"}}, nil
	}
	var fails []Failure
	if got, want := idList(res.Items), idList(rec.Items); got != want {
		// Every root differs then; the set is the one cause to report.
		return []Failure{{Link: LinkPin, Check: "items", Message: "the kept, pinned and minted items are not the set that was pinned",
			Expected: want, Got: got, Fix: "restore the items' statuses (genmint curate), or re-pin with 'genmint pin' if the collection is not minted yet"}}, nil
	}
	for _, c := range []struct{ name, want, got string }{
		{pin.RootImages, rec.Roots.Images, res.Roots.Images},
		{pin.RootOriginals, rec.Roots.Originals, res.Roots.Originals},
		{pin.RootProvenance, rec.Roots.Provenance, res.Roots.Provenance},
		{pin.RootMetadata, rec.Roots.Metadata, res.Roots.Metadata},
		{"contract metadata", rec.Roots.Contract, res.Roots.Contract},
	} {
		if c.want == c.got {
			continue
		}
		fix := "a file changed since pinning: restore it (the items below say which; else a picture genmint.yaml names: image, banner_image, featured_image), or re-pin with 'genmint pin' if the collection is not minted yet"
		what := "the " + c.name + " directory"
		if c.name == "contract metadata" {
			what = "the contract metadata"
		}
		if c.name == pin.RootMetadata || c.name == "contract metadata" {
			fix = "genmint.yaml's collection facts (name, description, external_url, creator, royalty, image, banner_image, featured_image, erc7007) or an item changed since pinning: restore them, or re-pin with 'genmint pin' if the collection is not minted yet"
		}
		fails = append(fails, Failure{Link: LinkPin, Check: "root", Message: what + " recomputes from the files to another CID than the pin record",
			Expected: c.want, Got: c.got, Fix: fix})
	}
	if len(fails) > 0 {
		return fails, nil
	}

	// The roots agree; so must every item's CIDs in the record (mint and
	// show read those).
	l.stale = map[int]Failure{}
	for _, it := range res.Items {
		p := l.pinned[it.ID]
		for _, c := range []struct{ what, want, got string }{
			{"final image", p.ImageCID, it.ImageCID},
			{"original", p.OriginalCID, it.OriginalCID},
			{"provenance record", p.ProvenanceCID, it.ProvenanceCID},
			{"metadata", p.MetadataCID, it.MetadataCID},
			{"animation", p.AnimationCID, it.AnimationCID},
		} {
			if c.want != c.got {
				l.stale[it.ID] = Failure{Token: it.ID, Link: LinkPin, Check: "cid", Message: "the pin record's CID of the item's " + c.what + " is not the one its files re-derive",
					Expected: c.want, Got: c.got, Fix: "the state database was edited: run 'genmint pin' again to rewrite the record (it changes no CID)", item: true}
				break
			}
		}
	}

	// The folder re-derives the pinned roots: serve the pinned tree from
	// it, with the entry CIDs just recomputed.
	df := &diskFiles{dir: l.o.Dir, files: map[cid.Cid]map[string]diskFile{}}
	roots := map[string]cid.Cid{}
	for name, s := range map[string]string{pin.RootImages: res.Roots.Images, pin.RootOriginals: res.Roots.Originals,
		pin.RootProvenance: res.Roots.Provenance, pin.RootMetadata: res.Roots.Metadata} {
		c, err := cid.Decode(s)
		if err != nil {
			return nil, err
		}
		roots[name] = c
	}
	for _, it := range res.Items {
		st := l.items[it.ID]
		df.add(roots[pin.RootImages], it.ImageName, it.ImageCID, diskFile{path: st.Final.Path})
		df.add(roots[pin.RootOriginals], it.OriginalName, it.OriginalCID, diskFile{path: st.Original.Path})
		df.add(roots[pin.RootProvenance], it.ProvenanceName, it.ProvenanceCID, diskFile{path: st.ProvenancePath})
		df.add(roots[pin.RootMetadata], strconv.Itoa(it.ID), it.MetadataCID, diskFile{data: meta[it.ID]})
		if it.AnimationName != "" {
			df.add(roots[pin.RootImages], it.AnimationName, it.AnimationCID, diskFile{path: l.animationPath(st)})
		}
	}
	l.tokens = newVerifier(Options{Pin: rec, Concurrency: 1, C2PA: l.o.C2PA}, rec.Profile, df)
	l.tokens.tokenURI = func(id int) (string, bool) {
		it, ok := l.pinned[id]
		return it.TokenURI, ok
	}
	return nil, nil
}

func idList(items []pin.ItemCIDs) string {
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return formatIDs(ids)
}

// item checks one item's files, then, when pinned, its token.
func (l *local) item(ctx context.Context, id int) (TokenResult, error) {
	t := &tokenRun{id: id, res: TokenResult{ID: id}, item: true}
	err := l.files(ctx, t)
	if err == nil && l.tokens != nil {
		if _, ok := l.pinned[id]; ok {
			tr, terr := l.tokens.token(ctx, id)
			if terr != nil {
				return t.res, terr
			}
			tr.ImageSHA256, tr.ContentSHA256 = t.res.ImageSHA256, t.res.ContentSHA256
			return tr, nil
		}
	}
	if errors.Is(err, errStop) {
		err = nil
	}
	return t.res, err
}

// files checks the item's final image, record and original on disk, and
// their CIDs against the pin record.
func (l *local) files(ctx context.Context, t *tokenRun) error {
	it, ok := l.items[t.id]
	if !ok {
		return t.fail(LinkImage, "missing", "the collection has no generated item with this id", "an item with a final image", "none",
			"generate it with 'genmint generate', or leave it out of --only")
	}
	finalPath := filepath.FromSlash(it.Final.Path)
	final, err := os.ReadFile(filepath.Join(l.o.Dir, finalPath))
	if err != nil {
		return t.fail(LinkImage, "missing", fmt.Sprintf("%s cannot be read (%v)", it.Final.Path, unwrapPath(err)), "", "", l.fixRestore(it))
	}
	t.res.ImageSHA256 = sha256Hex(final)
	rb, err := os.ReadFile(filepath.Join(l.o.Dir, filepath.FromSlash(it.ProvenancePath)))
	if err != nil {
		return t.fail(LinkProvenance, "missing", fmt.Sprintf("%s cannot be read (%v)", it.ProvenancePath, unwrapPath(err)), "", "", l.fixRestore(it))
	}
	rec, err := provenance.ParseRecord(rb)
	if err != nil {
		return t.fail(LinkProvenance, "json", it.ProvenancePath+" does not parse ("+err.Error()+")", "", "", l.fixRestore(it))
	}
	t.res.ContentSHA256 = rec.ContentSHA256
	if err := provenance.Verify(rec, final); err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, provenance.ErrMismatch.Error()+": ")
		return t.fail(LinkProvenance, "mismatch", it.Final.Path+" and "+it.ProvenancePath+" disagree: "+msg, "", "",
			"one of them was edited after genmint sealed them: "+l.fixRestore(it))
	}
	if rec.Content.Item != it.ID {
		return t.fail(LinkProvenance, "item", it.ProvenancePath+" describes another item", strconv.Itoa(it.ID), strconv.Itoa(rec.Content.Item), l.fixRestore(it))
	}
	if it.Final.SHA256 != "" && t.res.ImageSHA256 != it.Final.SHA256 {
		return t.fail(LinkImage, "sha256", it.Final.Path+" is not the image generate recorded in the state", it.Final.SHA256, t.res.ImageSHA256,
			"the image and its record were replaced together after generation: "+l.fixRestore(it))
	}
	if it.RecordSHA256 != "" && it.RecordSHA256 != rec.ContentSHA256 {
		return t.fail(LinkProvenance, "record-hash", it.ProvenancePath+" is not the record generate wrote", it.RecordSHA256, rec.ContentSHA256, l.fixRestore(it))
	}
	if err := t.contentCredentials(l.o.C2PA, final, rec); err != nil {
		return err
	}
	orig, err := os.ReadFile(filepath.Join(l.o.Dir, filepath.FromSlash(it.Original.Path)))
	if err != nil {
		return t.fail(LinkOriginal, "missing", fmt.Sprintf("%s cannot be read (%v)", it.Original.Path, unwrapPath(err)), "", "", l.fixRestore(it))
	}
	sum := sha256Hex(orig)
	if sum != rec.Content.Original.SHA256 {
		return t.fail(LinkOriginal, "sha256", it.Original.Path+" is not the original the provenance record names", rec.Content.Original.SHA256, sum,
			"the provider's original was replaced: "+l.fixRestore(it))
	}
	if int64(len(orig)) != rec.Content.Original.Bytes {
		return t.fail(LinkOriginal, "size", it.Original.Path+" is not the size the provenance record states", strconv.FormatInt(rec.Content.Original.Bytes, 10), strconv.Itoa(len(orig)), l.fixRestore(it))
	}
	if it.Original.SHA256 != "" && sum != it.Original.SHA256 {
		return t.fail(LinkOriginal, "sha256", it.Original.Path+" is not the original generate recorded", it.Original.SHA256, sum, l.fixRestore(it))
	}
	anim, animPath, err := l.animation(t, it, rec)
	if err != nil {
		return err
	}

	// CIDs against the pin record. When the roots recomputed to the
	// record's, the token check re-derives every file anyway; otherwise
	// this says which item's file changed.
	if f, ok := l.stale[it.ID]; ok {
		t.res.Failures = append(t.res.Failures, f)
		return errStop
	}
	p, ok := l.pinned[it.ID]
	if !ok || l.tokens != nil {
		return nil
	}
	for _, f := range []struct {
		path, want string
		data       []byte
		set        *string
	}{
		{it.Final.Path, p.ImageCID, final, &t.res.ImageCID},
		{it.Original.Path, p.OriginalCID, orig, &t.res.OriginalCID},
		{it.ProvenancePath, p.ProvenanceCID, rb, &t.res.ProvenanceCID},
		{animPath, p.AnimationCID, anim, &t.res.AnimationCID},
	} {
		if f.path == "" && f.want == "" {
			continue // no animation, none pinned
		}
		c, _, err := unixfs.ImportFile(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }, l.rec.Profile, unixfs.ImportOptions{})
		if err != nil {
			return err
		}
		*f.set = c.String()
		if c.String() != f.want {
			return t.fail(LinkPin, "cid", f.path+" re-derives to another CID than the pin record", f.want, c.String(),
				"the file changed since pinning: restore the pinned bytes (they are on IPFS under that CID), or re-pin with 'genmint pin' if the collection is not minted yet")
		}
	}
	return nil
}

// animation checks the item's animation file, when its record names one,
// against content.animation: sha256, size and the media type its bytes
// show. It returns the bytes and the path (relative to the collection).
func (l *local) animation(t *tokenRun, it state.Item, rec *provenance.Record) ([]byte, string, error) {
	a := rec.Content.Animation
	if a == nil {
		return nil, "", nil
	}
	l.animated.Store(true)
	if a.Path == "" || a.Path != path.Base(a.Path) || a.Path == "." || a.Path == ".." || strings.Contains(a.Path, `\`) {
		return nil, "", t.fail(LinkAnimation, "path", it.ProvenancePath+" names its content.animation.path outside the item's folder", "a file name", strconv.Quote(a.Path), l.fixRestore(it))
	}
	p := path.Join(path.Dir(it.ProvenancePath), a.Path)
	b, err := os.ReadFile(filepath.Join(l.o.Dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, p, t.fail(LinkAnimation, "missing", fmt.Sprintf("%s cannot be read (%v)", p, unwrapPath(err)), "", "", l.fixRestore(it))
	}
	fix := "the animation changed after generation: restore it from a backup, or run 'genmint generate' to remake it and seal the item again"
	if pi, ok := l.pinned[it.ID]; ok && pi.AnimationName != "" {
		fix = "the animation changed after pinning: restore it from what was pinned, ipfs://" + l.rec.Roots.Images + "/" + pi.AnimationName
	}
	if sum := sha256Hex(b); sum != a.SHA256 {
		return nil, p, t.fail(LinkAnimation, "sha256", p+" is not the animation the provenance record names (content.animation.sha256)", a.SHA256, sum, fix)
	}
	if int64(len(b)) != a.Bytes {
		return nil, p, t.fail(LinkAnimation, "size", p+" is not the size the provenance record states (content.animation.bytes)", strconv.FormatInt(a.Bytes, 10), strconv.Itoa(len(b)), fix)
	}
	if mt := postprocess.DetectAnimation(b); mt != a.MediaType {
		return nil, p, t.fail(LinkAnimation, "media-type", p+" is not of the media type the provenance record states (content.animation.media_type)", a.MediaType, orNone(mt), fix)
	}
	return b, p, nil
}

// animationPath is the file pin published as the item's animation: the
// one its provenance record names, beside the record (pin.loadAnimation).
func (l *local) animationPath(it state.Item) string {
	b, err := os.ReadFile(filepath.Join(l.o.Dir, filepath.FromSlash(it.ProvenancePath)))
	if err != nil {
		return ""
	}
	rec, err := provenance.ParseRecord(b)
	if err != nil || rec.Content.Animation == nil {
		return ""
	}
	return path.Join(path.Dir(it.ProvenancePath), rec.Content.Animation.Path)
}

// fixRestore says where the item's sealed files can come back from: a
// backup, or, once pinned, IPFS.
func (l *local) fixRestore(it state.Item) string {
	folder := path.Dir(it.Final.Path)
	p, ok := l.pinned[it.ID]
	if !ok || l.rec == nil {
		return "restore " + folder + " from a backup"
	}
	r := l.rec.Roots
	return fmt.Sprintf("restore %s from a backup, or from what was pinned: ipfs://%s/%s, ipfs://%s/%s and ipfs://%s/%s",
		folder, r.Images, p.ImageName, r.Provenance, p.ProvenanceName, r.Originals, p.OriginalName)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// diskFiles serves the pinned tree from the collection folder: the entry
// CIDs recomputed from the files, the bytes read from them (the metadata
// files as `genmint pin` rebuilt them).
type diskFiles struct {
	dir   string
	files map[cid.Cid]map[string]diskFile
}

type diskFile struct {
	linked cid.Cid
	path   string // relative to dir, slash-separated
	data   []byte // used instead of path when set
}

func (d *diskFiles) add(root cid.Cid, name, c string, f diskFile) {
	k, err := cid.Decode(c)
	if err != nil {
		return
	}
	f.linked = k
	if d.files[root] == nil {
		d.files[root] = map[string]diskFile{}
	}
	d.files[root][name] = f
}

func (d *diskFiles) source() string { return "the collection folder" }

func (d *diskFiles) entry(_ context.Context, root cid.Cid, name string) (cid.Cid, error) {
	f, ok := d.files[root][name]
	if !ok {
		return cid.Undef, fmt.Errorf("%w: the pinned directory %s has no entry %q", ErrNotFound, root, name)
	}
	return f.linked, nil
}

func (d *diskFiles) cat(_ context.Context, root cid.Cid, name string, limit int64) ([]byte, error) {
	f, ok := d.files[root][name]
	if !ok {
		return nil, fmt.Errorf("%w: the pinned directory %s has no entry %q", ErrNotFound, root, name)
	}
	if f.data != nil {
		return f.data, nil
	}
	fh, err := os.Open(filepath.Join(d.dir, filepath.FromSlash(f.path)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	defer fh.Close()
	return readLimited(fh, limit)
}
