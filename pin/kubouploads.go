package pin

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"
)

// KuboService names the uploads ledger of a remote Kubo's pins:
// uploads/kubo.json. Each root a remote Kubo confirmed pinned (pin/ls,
// after its dag/import) is recorded there and in pin_uploads, like an S3 or
// Pinata upload, so that a run without the state database (a fresh CI
// runner, a lost state.db) asks the node before streaming anything.
const KuboService = "kubo"

// maxRecordedTries bounds how many recorded CIDs of one root are asked
// about (pin/ls) before a run streams: the newest few, not the history.
const maxRecordedTries = 3

// UploadsDestination is how uploads/kubo.json names this node: "kubo " and
// the RPC API's scheme, host and port, never its path or query (where a
// hosted RPC may put a key) nor any credential.
func (r *RemoteKubo) UploadsDestination() string {
	u, err := url.Parse(r.k.Addr())
	if err != nil || u.Host == "" {
		return KuboService
	}
	return KuboService + " " + origin(u)
}

// asRemoteKubo finds a RemoteKubo below the retry wrapper, or returns nil.
func asRemoteKubo(p Pinner) *RemoteKubo {
	rk, _ := asStreamer(p).(*RemoteKubo)
	return rk
}

// recordedKubo lists, per root name, the CIDs uploads/kubo.json and the
// state database's pin_uploads record as confirmed at destination, newest
// first, at most maxRecordedTries each.
func recordedKubo(ctx context.Context, led *ledger, destination string) (map[string][]string, error) {
	fromFile, err := ReadUploads(led.dir, KuboService)
	if err != nil {
		return nil, err
	}
	fromDB, err := Uploads(ctx, led.db)
	if err != nil {
		return nil, err
	}
	ups := slices.DeleteFunc(append(fromFile, fromDB...), func(u Upload) bool { return u.Destination != destination })
	slices.SortStableFunc(ups, func(a, b Upload) int { return b.At.Compare(a.At) })
	out := map[string][]string{}
	for _, u := range ups {
		if !slices.Contains(out[u.Root], u.CID) && len(out[u.Root]) < maxRecordedTries {
			out[u.Root] = append(out[u.Root], u.CID)
		}
	}
	return out, nil
}

// recordKubo records each root the remote Kubo now holds in
// uploads/kubo.json and pin_uploads: those this run pinned (Commit
// confirmed each with pin/ls), and those already there (Pinned said so)
// that the file lacks. One the file lists but the database lost is put back
// in the database and returned: the node has just confirmed it.
func recordKubo(ctx context.Context, led *ledger, rk *RemoteKubo, roots []Root, dr DestinationResult) (restored []Upload, err error) {
	dest := rk.UploadsDestination()
	for _, r := range roots {
		already := slices.Contains(dr.Already, r.Name)
		if !already && !slices.Contains(dr.Pinned, r.Name) {
			continue
		}
		u := Upload{Service: KuboService, Destination: dest, Key: r.CID.String(), Root: r.Name, CID: r.CID.String(),
			Bytes: int64(r.Size), At: led.db.Now()}
		if !already {
			if err := led.record(ctx, u); err != nil {
				return restored, err
			}
			continue
		}
		known, err := led.find(KuboService, dest, r.CID)
		if err != nil {
			return restored, err
		}
		if known == nil || known.Root != r.Name {
			if err := led.record(ctx, u); err != nil {
				return restored, err
			}
			continue
		}
		has, err := led.hasRow(ctx, dest, known.CID)
		if err != nil {
			return restored, err
		}
		if !has {
			if err := led.putRow(ctx, *known); err != nil {
				return restored, err
			}
			restored = append(restored, *known)
		}
	}
	return restored, nil
}

// kuboUploads are the entries of uploads/kubo.json for destination that
// name one of roots' CIDs.
func kuboUploads(dir, destination string, roots []Root) ([]Upload, error) {
	ups, err := ReadUploads(dir, KuboService)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ups, func(u Upload) bool {
		return u.Destination != destination || !slices.ContainsFunc(roots, func(r Root) bool { return r.CID.String() == u.CID })
	}), nil
}

// recordedCandidates merges, for one root name, the CIDs the state's pin
// runs record (first: an unchanged re-run computes one of them again) with
// those the uploads ledger records, each once.
func recordedCandidates(known []cid.Cid, recorded []string) []cid.Cid {
	out := slices.Clone(known)
	for _, s := range recorded {
		c, err := cid.Decode(strings.TrimSpace(s))
		if err != nil || slices.ContainsFunc(out, c.Equals) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// restoreKubo puts back in pin_uploads the entries of uploads/kubo.json for
// the remote Kubo p (a RemoteKubo, through the retry wrapper) that the state
// database lacks, each only once the node's pin/ls confirms that CID pinned
// (genmint repair, after a lost database). An entry the node does not pin
// is left out. It returns the rows put back.
func restoreKubo(ctx context.Context, led *ledger, p Pinner) ([]Upload, error) {
	rk := asRemoteKubo(p)
	if rk == nil {
		return nil, nil
	}
	dest := rk.UploadsDestination()
	ups, err := ReadUploads(led.dir, KuboService)
	if err != nil {
		return nil, err
	}
	var back []Upload
	for _, u := range ups {
		if u.Destination != dest {
			continue
		}
		has, err := led.hasRow(ctx, dest, u.CID)
		if err != nil || has {
			if err != nil {
				return back, err
			}
			continue
		}
		c, err := cid.Decode(u.CID)
		if err != nil {
			return back, fmt.Errorf("%s: the entry for %s records %q, not a CID: fix the entry or remove it (the node is asked again either way)", UploadsFile(led.dir, KuboService), u.Root, u.CID)
		}
		ok, err := p.Pinned(ctx, c)
		if err != nil {
			return back, fmt.Errorf("check the pin of %s that %s records: %w", u.CID, UploadsFile(led.dir, KuboService), err)
		}
		if !ok {
			continue
		}
		if err := led.putRow(ctx, u); err != nil {
			return back, err
		}
		back = append(back, u)
	}
	return back, nil
}
