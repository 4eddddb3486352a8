package pin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/minio/minio-go/v7"
)

// Sweeper is a CARService that can end the unfinished uploads an
// interrupted run left for roots the collection no longer has (an item
// regenerated since changes its root): nothing would ever resume them, and
// an S3 multipart upload's parts are billed until it is aborted. Run calls
// Sweep before uploading to the service.
type Sweeper interface {
	// Sweep ends the unfinished uploads genmint started (recognised by
	// the name genmint gives a root's CAR) whose root is not in keep, and
	// returns one description of each it ended. Uploads of a root in keep
	// are left to be resumed.
	Sweep(ctx context.Context, keep []cid.Cid) ([]string, error)
}

var (
	_ Sweeper = (*S3)(nil)
	_ Sweeper = (*Pinata)(nil)
)

// carRoot reads a CAR name genmint gives a root ("<cid>.car"), or false.
func carRoot(name string) (cid.Cid, bool) {
	s, ok := strings.CutSuffix(name, ".car")
	if !ok || strings.Contains(s, "/") {
		return cid.Undef, false
	}
	c, err := cid.Decode(s)
	return c, err == nil && c.String() == s
}

func kept(keep []cid.Cid, c cid.Cid) bool {
	for _, k := range keep {
		if k.Equals(c) {
			return true
		}
	}
	return false
}

// Sweep implements Sweeper: the unfinished multipart uploads directly under
// PREFIX/ named <cid>.car for a CID not in keep are aborted. Other keys
// (not named as genmint names a root's CAR, or under another prefix) are
// never touched.
func (s *S3) Sweep(ctx context.Context, keep []cid.Cid) ([]string, error) {
	prefix := ""
	if s.o.Prefix != "" {
		prefix = s.o.Prefix + "/"
	}
	type upload struct{ key, id string }
	var stale []upload
	keyMarker, idMarker := "", ""
	for {
		var res minio.ListMultipartUploadsResult
		err := s.do(ctx, 0, "list multipart uploads", func(ctx context.Context) (err error) {
			res, err = s.core.ListMultipartUploads(ctx, s.o.Bucket, prefix, keyMarker, idMarker, "/", 1000)
			return err
		})
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "NoSuchUpload" {
			break // some S3 servers say so instead of an empty list
		}
		if err != nil {
			return nil, err
		}
		for _, u := range res.Uploads {
			if c, ok := carRoot(strings.TrimPrefix(u.Key, prefix)); ok && strings.HasPrefix(u.Key, prefix) && !kept(keep, c) {
				stale = append(stale, upload{u.Key, u.UploadID})
			}
		}
		if !res.IsTruncated || (res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker) {
			break
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	var ended []string
	for _, u := range stale {
		err := s.do(ctx, 0, "abort multipart "+u.key, func(ctx context.Context) error {
			return s.core.AbortMultipartUpload(ctx, s.o.Bucket, u.key, u.id)
		})
		if err != nil && !isNotFound(err) {
			return ended, fmt.Errorf("%w (aborting the stale multipart upload of %s, a root this collection no longer has)", err, u.key)
		}
		ended = append(ended, s.Destination()+": multipart upload of "+u.key)
	}
	return ended, nil
}

// Sweep implements Sweeper: each TUS upload whose mark (<cid>.tus in
// StateDir) names a root not in keep is terminated (DELETE, the TUS
// termination extension) and its mark removed.
func (p *Pinata) Sweep(ctx context.Context, keep []cid.Cid) ([]string, error) {
	if p.o.StateDir == "" {
		return nil, nil
	}
	marks, err := filepath.Glob(filepath.Join(p.o.StateDir, "*.tus"))
	if err != nil {
		return nil, err
	}
	var ended []string
	for _, mark := range marks {
		c, ok := carRoot(strings.TrimSuffix(filepath.Base(mark), ".tus") + ".car")
		if !ok || kept(keep, c) {
			continue
		}
		if err := p.terminate(ctx, mark); err != nil {
			return ended, fmt.Errorf("%w (terminating the stale TUS upload of %s, a root this collection no longer has)", err, c)
		}
		ended = append(ended, p.Destination()+": TUS upload of "+carName(c))
	}
	return ended, nil
}

// terminate ends the TUS upload whose URL mark holds (DELETE, the TUS
// termination extension; an upload the server no longer knows, or a
// server without the extension, is taken as ended) and removes the mark.
func (p *Pinata) terminate(ctx context.Context, mark string) error {
	b, err := os.ReadFile(mark)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if loc := strings.TrimSpace(string(b)); loc != "" {
		err := p.deleteTUS(ctx, loc)
		if err != nil && !isHTTPStatus(err, http.StatusNotFound) && !isHTTPStatus(err, http.StatusGone) &&
			!isHTTPStatus(err, http.StatusMethodNotAllowed) {
			return err
		}
	}
	if err := os.Remove(mark); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
