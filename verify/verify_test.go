package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/provenance"
)

// TestCARPinned verifies a collection pinned into a CAR file, read back
// through go-car's blockstore: from the pin record alone, and from a
// (pretend) chain pointing at the pinned baseURI.
func TestCARPinned(t *testing.T) {
	f := newFixture(t, 3, true)
	carPath, rec := f.pinCAR(t)
	car, err := OpenCAR(carPath)
	if err != nil {
		t.Fatal(err)
	}
	defer car.Close()
	ctx := context.Background()

	var heard []int
	r, err := Run(ctx, Options{Content: car, Pin: rec, Progress: func(tr TokenResult) { heard = append(heard, tr.ID) }})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Verified != 3 || r.Tokens != 3 || r.Mode != ModePin || len(r.Failures()) != 0 {
		t.Fatalf("report: %+v", r)
	}
	if want := "verified 3 of 3 tokens: pin → tokenURI → metadata → image → provenance"; !strings.HasPrefix(r.Summary(), want) {
		t.Fatalf("summary %q", r.Summary())
	}
	if len(heard) != 3 || heard[0] != 1 || heard[2] != 3 {
		t.Fatalf("progress heard %v", heard)
	}
	for _, tr := range r.Results {
		it := rec.Items[tr.ID-1]
		if tr.MetadataCID != it.MetadataCID || tr.ImageCID != it.ImageCID || tr.OriginalCID != it.OriginalCID || tr.ProvenanceCID != it.ProvenanceCID ||
			tr.TokenURI != it.TokenURI || tr.ContentSHA256 == "" {
			t.Fatalf("token %d: %+v, pinned %+v", tr.ID, tr, it)
		}
	}

	base := cid.MustParse(rec.Roots.Metadata)
	ch := newFakeChain(base, 3)
	r, err = Run(ctx, Options{Content: car, Pin: rec, Chain: ch, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Verified != 3 || *r.TotalSupply != 3 || r.Results[1].Owner == "" {
		t.Fatalf("chain report: %+v", r)
	}
	if want := "verified 3 of 3 tokens: chain → tokenURI → metadata → image → provenance"; r.Summary() != want {
		t.Fatalf("summary %q", r.Summary())
	}
	if r.Results[0].ERC7007 != "not recorded" {
		t.Fatalf("erc7007: %q", r.Results[0].ERC7007)
	}
}

// tamper is one way a published collection can be broken, and the failure
// verify must name for it.
type tamperCase struct {
	name  string
	pin   bool // give verify the pin record (the artist's own folder)
	apply func(t *testing.T, p *published, ch *fakeChain)
	link  Link
	check string
	token int // the token that must fail (default 1)
}

func TestTamperedLinks(t *testing.T) {
	f := newFixture(t, 3, true)
	carPath, rec := f.pinCAR(t)

	cases := []tamperCase{
		{name: "tokenURI names another token", link: LinkTokenURI, check: "uri",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				ch.uris[1] = "ipfs://" + p.base.String() + "/2"
			}},
		{name: "tokenURI is not ipfs", link: LinkTokenURI, check: "uri",
			apply: func(t *testing.T, p *published, ch *fakeChain) { ch.uris[1] = "https://example.com/meta/1" }},
		{name: "tokenURI is not the pinned baseURI", pin: true, link: LinkTokenURI, check: "base-uri",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				// A consistent copy of the collection with one edited
				// description: every link holds, but it is not what was pinned.
				md := p.metadata(1)
				md.Description = "something else"
				p.setMetadata(1, md)
				p.republish(false)
				ch.uris[1] = "ipfs://" + p.base.String() + "/1"
			}},
		{name: "token never minted", link: LinkChain, check: "exists", token: 3,
			apply: func(t *testing.T, p *published, ch *fakeChain) { delete(ch.uris, 3) }},
		{name: "metadata bytes changed by the source", link: LinkMetadata, check: "cid",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
					if root == p.base && path == "1" {
						return bytes.Replace(b, []byte("Verify Fixture #1"), []byte("Verify Fixture #9"), 1)
					}
					return b
				}
			}},
		{name: "metadata block altered by the source", link: LinkMetadata, check: "block",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				target := p.fileCID(p.files[pin.RootMetadata]["1"])
				p.mem.blockHook = func(c cid.Cid, b []byte) []byte {
					if c == target {
						b = bytes.Clone(b)
						b[len(b)-1] ^= 1
					}
					return b
				}
			}},
		{name: "metadata entry missing", link: LinkMetadata, check: "missing", token: 2,
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				delete(p.files[pin.RootMetadata], "2")
				p.republish(false)
				for id := 1; id <= 3; id++ {
					ch.uris[id] = "ipfs://" + p.base.String() + "/" + strconv.Itoa(id)
				}
			}},
		{name: "metadata entry points at another token's file", link: LinkMetadata, check: "name",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootMetadata]["1"] = p.files[pin.RootMetadata]["2"]
				p.republish(false)
				relinkChain(p, ch)
			}},
		{name: "metadata fails the schema", link: LinkMetadata, check: "schema",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootMetadata]["1"] = bytes.Replace(p.files[pin.RootMetadata]["1"], []byte(`"attributes"`), []byte(`"traits"`), 1)
				p.republish(false)
				relinkChain(p, ch)
			}},
		{name: "images directory entry points elsewhere", link: LinkImage, check: "link",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootImages]["1.png"] = p.files[pin.RootImages]["2.png"]
				p.republish(false)
				// The metadata still names the old images root, whose entry
				// is intact; point it at the new one without fixing the CID.
				md := p.metadata(1)
				md.Properties.Image.URI = "ipfs://" + p.roots[pin.RootImages].String() + "/1.png"
				md.Image, md.AIGCData = md.Properties.Image.URI, md.Properties.Image.URI
				p.setMetadata(1, md)
				p.republish(false)
				relinkChain(p, ch)
			}},
		{name: "image bytes changed by the source", link: LinkImage, check: "cid",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				images := p.roots[pin.RootImages]
				p.mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
					if root == images && path == "1.png" {
						return append(bytes.Clone(b), 0)
					}
					return b
				}
			}},
		{name: "image swapped and relinked", link: LinkProvenance, check: "record-hash",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootImages]["1.png"] = p.files[pin.RootImages]["2.png"]
				p.republish(true)
				relinkChain(p, ch)
			}},
		{name: "XMP stripped and relinked", link: LinkProvenance, check: "embedded",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootImages]["1.png"] = stripXMP(t, p.files[pin.RootImages]["1.png"])
				p.republish(true)
				relinkChain(p, ch)
			}},
		{name: "provenance record edited and relinked", link: LinkProvenance, check: "mismatch",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				rec := p.files[pin.RootProvenance]["1.json"]
				edited := bytes.Replace(rec, []byte(`"negative_prompt": "blurry"`), []byte(`"negative_prompt": "sharp"`), 1)
				if bytes.Equal(edited, rec) {
					t.Fatal("nothing to edit in the record")
				}
				p.files[pin.RootProvenance]["1.json"] = edited
				p.republish(true)
				relinkChain(p, ch)
			}},
		{name: "provenance record of another item", link: LinkProvenance, check: "mismatch",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootProvenance]["1.json"] = p.files[pin.RootProvenance]["2.json"]
				p.republish(true)
				relinkChain(p, ch)
			}},
		{name: "metadata generation facts edited", link: LinkProvenance, check: "generation",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				md := p.metadata(1)
				md.Properties.Generation.Model = "gpt-image-1"
				p.setMetadata(1, md)
				p.republish(false)
				relinkChain(p, ch)
			}},
		{name: "attributes edited", link: LinkProvenance, check: "generation",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				md := p.metadata(1)
				md.Attributes[0].Value = "legendary"
				p.setMetadata(1, md)
				p.republish(false)
				relinkChain(p, ch)
			}},
		{name: "original changed and relinked", link: LinkOriginal, check: "sha256",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootOriginals]["1.png"] = p.files[pin.RootOriginals]["2.png"]
				p.republish(true)
				relinkChain(p, ch)
			}},
		{name: "original changed, metadata not relinked", link: LinkOriginal, check: "link",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				p.files[pin.RootOriginals]["1.png"] = p.files[pin.RootOriginals]["3.png"]
				p.republish(false)
				md := p.metadata(1)
				md.Properties.Original.URI = "ipfs://" + p.roots[pin.RootOriginals].String() + "/1.png"
				p.setMetadata(1, md)
				p.republish(false)
				relinkChain(p, ch)
			}},
		{name: "ERC-7007 prompt differs", link: LinkERC7007, check: "prompt",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				sum := sha256.Sum256(p.files[pin.RootImages]["1.png"])
				ch.aigc[1] = AIGC{Prompt: []byte("a different prompt"), Data: sum[:]}
			}},
		{name: "ERC-7007 hash differs", link: LinkERC7007, check: "hash",
			apply: func(t *testing.T, p *published, ch *fakeChain) {
				sum := sha256.Sum256(p.files[pin.RootImages]["2.png"])
				ch.aigc[1] = AIGC{Prompt: []byte(p.metadata(1).Prompt), Data: sum[:]}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := publish(t, carPath, rec)
			ch := newFakeChain(p.base, 3)
			tc.apply(t, p, ch)
			o := Options{Content: p.mem, Chain: ch}
			if tc.pin {
				o.Pin = rec
			}
			r, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			fl := only(t, r)
			want := tc.token
			if want == 0 {
				want = 1
			}
			if fl.Token != want || fl.Link != tc.link || fl.Check != tc.check {
				t.Fatalf("want token %d %s/%s, got %s/%s: %s", want, tc.link, tc.check, fl.Link, fl.Check, fl)
			}
			if r.OK || r.Verified != 2 || fl.Fix == "" || strings.Contains(fl.String(), "\n") {
				t.Fatalf("report: ok %v, verified %d; %q", r.OK, r.Verified, fl)
			}
			t.Log(fl)
		})
	}
}

// relinkChain points every token at the current metadata root.
func relinkChain(p *published, ch *fakeChain) {
	for id := range ch.uris {
		ch.uris[id] = "ipfs://" + p.base.String() + "/" + strconv.Itoa(id)
	}
}

func TestChainFacts(t *testing.T) {
	f := newFixture(t, 3, true)
	carPath, rec := f.pinCAR(t)
	ctx := context.Background()

	t.Run("supply below the pin record", func(t *testing.T) {
		p := publish(t, carPath, rec)
		ch := newFakeChain(p.base, 2)
		r, err := Run(ctx, Options{Content: p.mem, Chain: ch, Pin: rec})
		if err != nil {
			t.Fatal(err)
		}
		fl := only(t, r)
		if fl.Token != 0 || fl.Link != LinkChain || fl.Check != "supply" || fl.Expected != "3" || fl.Got != "2" || r.Verified != 2 || r.OK {
			t.Fatalf("%+v: %s", r, fl)
		}
	})
	t.Run("erc7007 recorded in every form", func(t *testing.T) {
		p := publish(t, carPath, rec)
		ch := newFakeChain(p.base, 3)
		img := p.files[pin.RootImages]["1.png"]
		sum := sha256.Sum256(img)
		ch.aigc[1] = AIGC{Prompt: []byte(p.metadata(1).Prompt), Data: sum[:]}
		ch.aigc[2] = AIGC{Prompt: []byte(p.metadata(2).Prompt), Data: p.fileCID(p.files[pin.RootImages]["2.png"]).Hash()}
		r, err := Run(ctx, Options{Content: p.mem, Chain: ch, RequireAIGC: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Results[0].ERC7007 != "verified (sha256 of the image)" || r.Results[1].ERC7007 != "verified (multihash of the image)" {
			t.Fatalf("erc7007: %q %q", r.Results[0].ERC7007, r.Results[1].ERC7007)
		}
		if fl := only(t, r); fl.Token != 3 || fl.Link != LinkERC7007 || fl.Check != "not-recorded" {
			t.Fatal(fl)
		}
	})
	t.Run("a dead chain stops verification", func(t *testing.T) {
		p := publish(t, carPath, rec)
		ch := newFakeChain(p.base, 3)
		ch.err = errors.New("boom")
		if _, err := Run(ctx, Options{Content: p.mem, Chain: ch}); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a dead content source stops verification", func(t *testing.T) {
		p := publish(t, carPath, rec)
		ch := newFakeChain(p.base, 3)
		dead := &failingContent{err: unavailable(errors.New("refused"), "cannot reach it: fix it")}
		_, err := Run(ctx, Options{Content: dead, Chain: ch})
		if !errors.Is(err, ErrUnavailable) || err.Error() != "cannot reach it: fix it" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a profile other than the pinned one fails every CID", func(t *testing.T) {
		p := publish(t, carPath, rec)
		ch := newFakeChain(p.base, 3)
		other := unixfs.DefaultProfile
		other.Name, other.RawLeaves = "no-raw-leaves", false
		r, err := Run(ctx, Options{Content: p.mem, Chain: ch, Profile: other})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range r.Results {
			if len(tr.Failures) != 1 || tr.Failures[0].Check != "cid" || !strings.Contains(tr.Failures[0].Message, "no-raw-leaves") {
				t.Fatalf("token %d: %v", tr.ID, tr.Failures)
			}
		}
	})
}

// failingContent fails every read with err.
type failingContent struct{ err error }

func (f *failingContent) Source() string { return "failing" }
func (f *failingContent) Cat(context.Context, cid.Cid, string, int64) ([]byte, error) {
	return nil, f.err
}
func (f *failingContent) Block(context.Context, cid.Cid) ([]byte, error) { return nil, f.err }

// TestRunOrdered: results come out in id order whatever order work
// finishes in, and the first error wins.
func TestRunOrdered(t *testing.T) {
	ids := []int{1, 2, 3, 4, 5, 6}
	gate := map[int]chan struct{}{}
	for _, id := range ids {
		gate[id] = make(chan struct{})
	}
	var mu sync.Mutex
	var heard []int
	go func() {
		for _, id := range []int{4, 6, 2, 1, 5, 3} {
			close(gate[id])
		}
	}()
	res, err := runOrdered(context.Background(), ids, 6, func(ctx context.Context, id int) (TokenResult, error) {
		<-gate[id]
		return TokenResult{ID: id}, nil
	}, func(tr TokenResult) { mu.Lock(); heard = append(heard, tr.ID); mu.Unlock() })
	if err != nil || len(res) != 6 {
		t.Fatal(res, err)
	}
	for i, id := range heard {
		if id != i+1 || res[i].ID != i+1 {
			t.Fatalf("heard %v, results %v", heard, res)
		}
	}
	boom := errors.New("boom")
	_, err = runOrdered(context.Background(), ids, 2, func(ctx context.Context, id int) (TokenResult, error) {
		if id == 3 {
			return TokenResult{}, boom
		}
		return TokenResult{ID: id}, nil
	}, nil)
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
}

// TestEmbeddedContentMatchesMetadata guards the fixture: the images the
// pipeline made carry genmint provenance, so the tamper tests start clean.
func TestEmbeddedContentMatchesMetadata(t *testing.T) {
	f := newFixture(t, 1, false)
	carPath, rec := f.pinCAR(t)
	p := publish(t, carPath, rec)
	emb, err := provenance.Extract(p.files[pin.RootImages]["1.png"])
	if err != nil || emb.RecordSHA256 != p.metadata(1).Properties.Provenance.ContentSHA256 || p.metadata(1).Prompt != "" {
		t.Fatalf("%+v %v", emb, err)
	}
}
