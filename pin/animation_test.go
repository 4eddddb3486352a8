package pin

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/provenance"
)

// animFixture is a small but well-formed file of each animation type.
var animFixture = map[int]struct {
	ext, media string
	data       []byte
}{
	1: {".gif", "image/gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")},
	2: {".mp4", "video/mp4", append([]byte{0, 0, 0, 0x18}, []byte("ftypisom\x00\x00\x02\x00isomiso2")...)},
	3: {".html", "text/html", []byte("<!DOCTYPE html><html><body><canvas></canvas></body></html>\n")},
	4: {".webm", "video/webm", webmVideo},
	5: {".glb", "model/gltf-binary", append([]byte("glTF\x02\x00\x00\x00"), 12, 0, 0, 0)},
}

// webmVideo is a real video WebM: one 16×16 VP8 frame (495 bytes), made
// once with Debian's ffmpeg 5.1 and kept, since it is byte-identical on
// every run:
//
//	ffmpeg -f lavfi -i color=c=0x3366cc:s=16x16:r=1 -frames:v 1 -c:v libvpx -b:v 8k -g 1 -an \
//	  -fflags +bitexact -flags:v +bitexact -map_metadata -1 animation-vp8.webm
//
// TestWebMFixtureIsVideo checks it declares a video track.
//
//go:embed testdata/animation-vp8.webm
var webmVideo []byte

// addAnimations gives items of a makeCollection collection an animation
// file, named in their provenance record as generate names it, and
// records the new record hash in the state.
func addAnimations(t testing.TB, dir string, ids ...int) {
	t.Helper()
	db := openDB(t, dir)
	for _, id := range ids {
		f := animFixture[id]
		itemDir := filepath.Join(dir, fmt.Sprintf("items/%04d", id))
		writeFile(t, filepath.Join(itemDir, "animation"+f.ext), f.data)
		p := filepath.Join(itemDir, "provenance.json")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var rec provenance.Record
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		rec.Content.Animation = &provenance.FileFact{Path: "animation" + f.ext, MediaType: f.media, SHA256: sha(f.data), Bytes: int64(len(f.data))}
		cb, _ := json.Marshal(rec.Content)
		rec.ContentSHA256 = sha(cb)
		rb, _ := json.MarshalIndent(rec, "", "  ")
		writeFile(t, p, append(rb, '\n'))
		if _, err := db.SQL().Exec(`UPDATE items SET record_sha256 = ? WHERE id = ?`, rec.ContentSHA256, id); err != nil {
			t.Fatal(err)
		}
	}
}

// Animations are pinned in the images directory beside the images, with
// their extension; the token metadata links them (animation_url and
// properties.animation with the media type) and passes the schema; the
// pin record keeps their names and CIDs.
func TestAnimationPinnedBesideImage(t *testing.T) {
	dir, db := newCollection(t, 6, 16)
	addAnimations(t, dir, 1, 2, 3, 4, 5)
	ctx := context.Background()
	carPath := filepath.Join(t.TempDir(), "c.car")
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, CAR: carPath})
	if err != nil {
		t.Fatal(err)
	}
	files := readCARFiles(t, carPath, res)
	schema := compileSchema(t, "token.schema.json", TokenSchema)
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range res.Items {
		f, has := animFixture[it.ID]
		var md TokenMetadata
		raw := files[RootMetadata+"/"+strconv.Itoa(it.ID)]
		validate(t, schema, raw)
		if err := json.Unmarshal(raw, &md); err != nil {
			t.Fatal(err)
		}
		if !has {
			if md.AnimationURL != "" || md.Properties.Animation != nil || it.AnimationName != "" || rec.Items[i].AnimationCID != "" {
				t.Errorf("item %d has no animation, yet %q %+v %+v", it.ID, md.AnimationURL, md.Properties.Animation, it)
			}
			continue
		}
		name := strconv.Itoa(it.ID) + f.ext
		want := "ipfs://" + res.Roots.Images + "/" + name
		a := md.Properties.Animation
		if md.AnimationURL != want || a == nil || a.URI != want || a.MediaType != f.media || a.SHA256 != sha(f.data) || a.CID != it.AnimationCID {
			t.Errorf("item %d: animation_url %q, properties.animation %+v; want %s (%s)", it.ID, md.AnimationURL, a, want, f.media)
		}
		if !bytes.Equal(files[RootImages+"/"+name], f.data) {
			t.Errorf("item %d: the CAR's images/%s is not the animation", it.ID, name)
		}
		if it.AnimationName != name || rec.Items[i].AnimationName != name || rec.Items[i].AnimationCID != it.AnimationCID {
			t.Errorf("item %d: result %+v, pin record %+v", it.ID, it, rec.Items[i])
		}
	}

	// The schema refuses an animation of another media type, or not on IPFS.
	good := files[RootMetadata+"/1"]
	for name, mutate := range map[string]func(m map[string]any){
		"png animation": func(m map[string]any) {
			m["properties"].(map[string]any)["animation"].(map[string]any)["media_type"] = "image/png"
		},
		"http animation": func(m map[string]any) { m["animation_url"] = "https://example.com/1.gif" },
	} {
		var m map[string]any
		json.Unmarshal(good, &m)
		mutate(m)
		b, _ := json.Marshal(m)
		if err := validateErr(schema, b); err == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}

	// An animation changed after generation is refused, naming the file.
	p := filepath.Join(dir, "items/0002/animation.mp4")
	b, _ := os.ReadFile(p)
	b[len(b)-1] ^= 1
	writeFile(t, p, b)
	_, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true})
	if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), "animation.mp4") {
		t.Fatalf("changed animation: %v", err)
	}
	os.Remove(p)
	if _, err = Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, DryRun: true}); err == nil || !strings.Contains(err.Error(), "animation.mp4") {
		t.Fatalf("missing animation: %v", err)
	}
}

// A pin record written before animations existed (migration 3) reads
// back after migration 4 with no animations.
func TestPinRecordMigratesToAnimations(t *testing.T) {
	dir, _ := newCollection(t, 1, 8)
	db := openDB(t, dir)
	ctx := context.Background()
	if err := db.Migrate(ctx, Component, migrations[:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO pin_runs(id, profile, profile_json, item_ids, images_cid, originals_cid, provenance_cid,
		metadata_cid, contract_cid, base_uri, contract_uri, created_at, completed_at) VALUES(1, 'p', '{}', '[1]', 'i', 'o', 'v', 'm', 'c', 'ipfs://m/', 'ipfs://c', '', 'done')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO pin_items(run_id, item_id, image_name, image_cid, original_name, original_cid,
		provenance_name, provenance_cid, metadata_cid, token_uri) VALUES(1, 1, '1.png', 'x', '1.png', 'y', '1.json', 'z', 'w', 'ipfs://m/1')`); err != nil {
		t.Fatal(err)
	}
	rec, err := Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Items) != 1 || rec.Items[0].ImageName != "1.png" || rec.Items[0].AnimationName != "" || rec.Items[0].AnimationCID != "" {
		t.Fatalf("migrated record %+v", rec.Items)
	}
}

// Pinned into a real Kubo, each animation has the CID genmint computed,
// and Kubo's gateway serves it with its media type.
func TestKuboServesAnimations(t *testing.T) {
	k := testenv.StartKubo(t)
	dir, db := newCollection(t, 5, 16)
	addAnimations(t, dir, 1, 2, 3, 4, 5)
	res, err := Run(context.Background(), Options{Dir: dir, DB: db, Collection: testCollection,
		Pinners: []Pinner{WithRetry(kuboPinner(t, k), testRetry)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		f := animFixture[it.ID]
		path := "/ipfs/" + res.Roots.Images + "/" + it.AnimationName
		if got := strings.TrimSpace(k.IPFS(t, "resolve", "-r", path)); got != "/ipfs/"+it.AnimationCID {
			t.Errorf("item %d: Kubo resolves %s to %s, genmint computed %s", it.ID, path, got, it.AnimationCID)
		}
		resp, err := http.Get(k.Gateway + path)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt == "audio/webm" && f.media == "video/webm" {
			// Kubo's gateway names a file's type by its extension first
			// (boxo gateway: mime.TypeByExtension), and Go's built-in
			// table (Go 1.26, mime/type.go) maps .webm to audio/webm —
			// ahead of the system's video/webm — so even this video WebM
			// is served as audio/webm. The metadata's media type is what
			// genmint states: video/webm.
			mt = f.media
		}
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body.Bytes(), f.data) || mt != f.media {
			t.Errorf("item %d: gateway %s: %d, Content-Type %q, %d bytes; want %s", it.ID, path, resp.StatusCode, resp.Header.Get("Content-Type"), body.Len(), f.media)
		}
	}
}

// Through a remote Kubo (one CAR through dag/import), the animations
// arrive with the rest and read back by the CIDs genmint computed.
func TestRemoteKuboCarriesAnimations(t *testing.T) {
	remote := testenv.StartKubo(t, testenv.WithKuboAPIAuth("bearer:"+remoteToken))
	header := "Bearer " + remoteToken
	ctx := context.Background()
	dir, db := newCollection(t, 3, 16)
	addAnimations(t, dir, 1, 3)
	d, err := OpenDestinations(ctx, DestinationOptions{IPFSAPI: remote.API, IPFSAuth: KuboAuth{Header: header, Env: "REMOTE_KUBO_AUTH"}, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Options{Dir: dir, DB: db, Collection: testCollection, Pinners: d.Pinners})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range res.Items {
		if it.AnimationName == "" {
			continue
		}
		code, got := rpcPost(t, remote.API, header, "cat", url.Values{"arg": {"/ipfs/" + it.AnimationCID}})
		if code != http.StatusOK || !bytes.Equal(got, animFixture[it.ID].data) {
			t.Errorf("item %d: %s through the remote node: %d, %q", it.ID, it.AnimationCID, code, got)
		}
		code, got = rpcPost(t, remote.API, header, "resolve", url.Values{"arg": {"/ipfs/" + res.Roots.Images + "/" + it.AnimationName}})
		if code != http.StatusOK || !strings.Contains(string(got), it.AnimationCID) {
			t.Errorf("item %d: resolve: %d %s", it.ID, code, got)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d animations pinned, want 2", n)
	}
}

func validateErr(s *jsonschema.Schema, b []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// The WebM fixture is a video: its EBML header's DocType is webm, and its
// Segment's Tracks hold one video track (TrackType 1, a Video element,
// codec V_VP8) whose Cluster carries a key frame.
func TestWebMFixtureIsVideo(t *testing.T) {
	found := map[string]bool{}
	var walk func(b []byte)
	walk = func(b []byte) {
		for len(b) > 0 {
			id, n := ebmlVint(b, true)
			if n == 0 {
				t.Fatalf("bad element ID at % x", b[:min(len(b), 8)])
			}
			size, m := ebmlVint(b[n:], false)
			if m == 0 || uint64(len(b)-n-m) < size {
				t.Fatalf("element %x: bad size", id)
			}
			body := b[n+m : n+m+int(size)]
			switch id {
			case 0x1A45DFA3, 0x18538067, 0x1654AE6B, 0xAE, 0x1F43B675: // EBML, Segment, Tracks, TrackEntry, Cluster
				walk(body)
			case 0x4282: // DocType
				found["doctype "+string(body)] = true
			case 0x83: // TrackType
				found["tracktype "+strconv.Itoa(int(body[len(body)-1]))] = true
			case 0x86: // CodecID
				found["codec "+string(body)] = true
			case 0xE0: // Video
				found["video"] = true
			case 0xA3: // SimpleBlock: track vint, timecode, flags
				if len(body) > 3 && body[3]&0x80 != 0 {
					found["keyframe"] = true
				}
			}
			b = b[n+m+int(size):]
		}
	}
	walk(webmVideo)
	for _, want := range []string{"doctype webm", "tracktype 1", "codec V_VP8", "video", "keyframe"} {
		if !found[want] {
			t.Errorf("the WebM fixture has no %s (found %v)", want, found)
		}
	}
}

// ebmlVint reads an EBML variable-size integer: an element ID keeps its
// length marker, a size drops it. n is 0 when b does not start with one.
func ebmlVint(b []byte, keepMarker bool) (v uint64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n = 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if len(b) < n {
		return 0, 0
	}
	v = uint64(b[0])
	if !keepMarker {
		v &= uint64(0xFF >> n)
	}
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}
