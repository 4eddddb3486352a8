package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// A collection with derived animations is generated, pinned and minted on
// anvil with the real commands; each token's animation is then followed
// from the chain — tokenURI → metadata → animation_url — through the CAR
// and compared with the item's file and provenance record, and `genmint
// verify` re-derives the same link from the chain.
func TestMintAnvilAnimations(t *testing.T) {
	an := testenv.StartAnvil(t)
	owner := an.Accounts[0]
	dir := pinnedCollection(t, 4, "postprocess:\n  - animation: {effect: zoom, frames: 4, size: 24}\n")
	ksDir, pwFile := keystore(t, keyHex(owner))
	if out, err := mintCmd(dir, an.URL, owner.Address, ksDir, pwFile).CombinedOutput(); err != nil {
		t.Fatalf("genmint mint: %v\n%s", err, out)
	}

	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mint.ReadStatus(ctx, db)
	db.Close()
	if err != nil || st.Deployment == nil {
		t.Fatalf("mint status: %v", err)
	}
	cl, err := ethclient.Dial(an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := chain.Open(cl, st.Deployment.Contract)
	car, err := verify.OpenCAR(filepath.Join(dir, "c.car"))
	if err != nil {
		t.Fatal(err)
	}
	cat := func(uri string) []byte {
		t.Helper()
		root, name, ok := strings.Cut(strings.TrimPrefix(uri, "ipfs://"), "/")
		if !ok || !strings.HasPrefix(uri, "ipfs://") {
			t.Fatalf("not ipfs://<CID>/<name>: %q", uri)
		}
		b, err := car.Cat(ctx, cid.MustParse(root), name, 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		return b
	}
	for _, it := range rec.Items {
		uri, err := c.TokenURI(ctx, uint64(it.ID))
		if err != nil {
			t.Fatal(err)
		}
		var md pin.TokenMetadata
		if err := json.Unmarshal(cat(uri), &md); err != nil {
			t.Fatal(err)
		}
		a := md.Properties.Animation
		if a == nil || md.AnimationURL != a.URI || a.MediaType != "image/gif" || a.CID != it.AnimationCID ||
			md.AnimationURL != "ipfs://"+rec.Roots.Images+"/"+it.AnimationName {
			t.Fatalf("token %d: animation_url %q, properties.animation %+v; pinned %s as %s", it.ID, md.AnimationURL, a, it.AnimationCID, it.AnimationName)
		}
		served := cat(md.AnimationURL)
		local, err := os.ReadFile(filepath.Join(dir, "items", fmt.Sprintf("%04d", it.ID), "animation.gif"))
		if err != nil || !bytes.Equal(served, local) || sha(served) != a.SHA256 {
			t.Fatalf("token %d: the animation served is not the item's file (%v)", it.ID, err)
		}
	}

	v := genmint(dir, "verify", "--rpc", an.URL, "--car", filepath.Join(dir, "c.car"), "--json")
	var stdout, stderr bytes.Buffer
	v.Stdout, v.Stderr = &stdout, &stderr
	if err := v.Run(); err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr.String())
	}
	var r verify.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Mode != verify.ModeChain || r.Verified != 4 || r.Links[len(r.Links)-1] != verify.LinkAnimation {
		t.Fatalf("report: %+v", r)
	}
	for i, tr := range r.Results {
		if tr.AnimationCID != rec.Items[i].AnimationCID {
			t.Errorf("token %d: verify re-derived animation %s, pinned %s", tr.ID, tr.AnimationCID, rec.Items[i].AnimationCID)
		}
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
