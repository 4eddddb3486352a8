package pin

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/usage"
)

// DefaultS3Endpoint is Filebase's S3-compatible endpoint, the default of
// --s3-endpoint.
const DefaultS3Endpoint = "https://s3.filebase.com"

// S3 part sizes: S3 refuses parts below 5 MiB (all but the last) and more
// than 10,000 parts, so the part size grows with the CAR.
const (
	MinS3PartSize     = 5 << 20
	DefaultS3PartSize = 16 << 20
	maxS3Parts        = 10000
)

// S3Options configure an S3-compatible CAR import destination.
type S3Options struct {
	// Endpoint is the service's URL (default DefaultS3Endpoint).
	Endpoint string
	// Bucket and Prefix come from --upload s3://BUCKET[/PREFIX].
	Bucket, Prefix string
	// AccessKey and SecretKey, from AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY; when both are empty, Profile names a profile
	// of the shared credentials file (AWS_PROFILE; the file is
	// AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials).
	AccessKey, SecretKey, Profile string
	// SessionToken, from AWS_SESSION_TOKEN, goes with AccessKey and
	// SecretKey when they are temporary credentials (STS, SSO); a
	// profile's aws_session_token is read from the shared file.
	SessionToken string
	// Region signs the requests (default us-east-1, which Filebase uses).
	Region string
	// PartSize is the multipart part size (default DefaultS3PartSize; at
	// least MinS3PartSize against a real service).
	PartSize int64
	// Retry is the one retry policy (zero: DefaultRetry); the waits for a
	// CAR's import go through its Sleep too.
	Retry RetryPolicy
	// Poll is the first wait between two HeadObject requests while the
	// service imports a CAR (default 2 s; the waits double up to 30 s, for
	// ImportWait of the CAR's size).
	Poll time.Duration
	// Sent, when set, hears the bytes of a CAR confirmed sent so far (parts
	// already on the service count at once).
	Sent SentFunc
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Timeout is the timeout of one request carrying n bytes (default
	// BodyTimeout; tests shrink it).
	Timeout func(n int64) time.Duration
}

// S3 uploads each root's CAR as one object with the metadata
// `x-amz-meta-import: car`, which Filebase documents as "import this CAR
// into IPFS" (docs.filebase.com, S3-compatible API: uploading CAR files);
// the service then answers HeadObject with the imported root CID in
// `x-amz-meta-cid`. An upload counts only when that CID equals genmint's.
//
// Objects are named PREFIX/<root CID>.car, so the question "is this root
// already there?" is one HeadObject. Above the part size, the CAR goes up as
// a multipart upload, one part at a time from the file (constant memory);
// a run killed mid-upload is resumed by the next one from the parts the
// service lists (each checked by size and MD5 against the local bytes),
// never re-sending them. A failure that will not go away aborts the
// multipart upload, so no half-stored object is left billing.
//
// minio-go signs the requests (SigV4); its own retries are off, so 429 and
// 5xx are retried by the one policy (internal/retry) after Retry-After.
type S3 struct {
	o    S3Options
	core minio.Core
	base string // endpoint/bucket[/prefix], for messages
	host string // the endpoint's host[:port]
}

var _ CARService = (*S3)(nil)

// CredentialsFromEnv fills o's credentials from the environment, the
// variables AWS's tools read: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_PROFILE.
func (o *S3Options) CredentialsFromEnv(getenv func(string) string) {
	o.AccessKey, o.SecretKey, o.Profile = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_PROFILE")
	o.SessionToken = getenv("AWS_SESSION_TOKEN")
}

// ParseS3Upload reads --upload s3://BUCKET[/PREFIX].
func ParseS3Upload(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("--upload %q: want s3://BUCKET[/PREFIX] or pinata", s)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("--upload %q: no bucket: want s3://BUCKET[/PREFIX]", s)
	}
	return bucket, strings.Trim(prefix, "/"), nil
}

// NewS3 returns the S3 destination. It does not contact the service.
func NewS3(o S3Options) (*S3, error) {
	if o.Endpoint == "" {
		o.Endpoint = DefaultS3Endpoint
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usage.Errorf("--s3-endpoint %q: want https://host[:port]", o.Endpoint)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultS3PartSize
	}
	if o.Retry.Attempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Timeout == nil {
		o.Timeout = BodyTimeout
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	var creds *credentials.Credentials
	switch {
	case o.AccessKey != "" && o.SecretKey != "":
		creds = credentials.NewStaticV4(o.AccessKey, o.SecretKey, o.SessionToken) // X-Amz-Security-Token when set
	case o.AccessKey != "" || o.SecretKey != "":
		return nil, usage.Errorf("S3 credentials: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	case o.Profile != "":
		// The profile's aws_session_token too, when it has one.
		creds = credentials.NewFileAWSCredentials("", o.Profile)
		if _, err := creds.GetWithContext(nil); err != nil {
			return nil, usage.Errorf("S3 credentials: profile %q not found in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)", o.Profile)
		}
	default:
		return nil, usage.Errorf("S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)")
	}
	tr := o.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4, // each request's timeout is its context's, sized to its body
		}
	}
	cl, err := minio.New(u.Host, &minio.Options{
		Creds: creds, Secure: u.Scheme == "https", Region: o.Region,
		BucketLookup: minio.BucketLookupPath, MaxRetries: 1,
		Transport: &s3Transport{base: tr},
	})
	if err != nil {
		return nil, usage.Errorf("--s3-endpoint %q: %v", o.Endpoint, err)
	}
	base := strings.TrimRight(u.Scheme+"://"+u.Host, "/") + "/" + o.Bucket
	if o.Prefix != "" {
		base += "/" + o.Prefix
	}
	return &S3{o: o, core: minio.Core{Client: cl}, base: base, host: u.Host}, nil
}

// Service implements CARService.
func (s *S3) Service() string { return "s3" }

// Destination implements CARService.
func (s *S3) Destination() string { return "s3 " + s.base }

func (s *S3) key(c cid.Cid) string {
	if s.o.Prefix == "" {
		return c.String() + ".car"
	}
	return s.o.Prefix + "/" + c.String() + ".car"
}

// Find implements CARService: HeadObject on the root's key, or on the key
// the uploads ledger recorded for it. An object without x-amz-meta-cid yet
// is one the service is still importing (a run killed right after its
// upload): it is waited for as after an upload, never sent again.
func (s *S3) Find(ctx context.Context, c cid.Cid, known *Upload) (*Upload, error) {
	key := s.key(c)
	if known != nil && known.Key != "" {
		key = known.Key
	}
	info, err := s.head(ctx, key)
	if err != nil || info == nil {
		return nil, err
	}
	if info.Metadata.Get("X-Amz-Meta-Cid") == "" {
		return s.awaitCID(ctx, key, info.Size)
	}
	return s.found(key, info), nil
}

// head is HeadObject on key, or nil when there is no such object.
func (s *S3) head(ctx context.Context, key string) (*minio.ObjectInfo, error) {
	var info minio.ObjectInfo
	err := s.do(ctx, 0, "head "+key, func(ctx context.Context) (err error) {
		info, err = s.core.StatObject(ctx, s.o.Bucket, key, minio.StatObjectOptions{})
		return err
	})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &info, nil
}

func (s *S3) found(key string, info *minio.ObjectInfo) *Upload {
	return &Upload{Service: s.Service(), Destination: s.Destination(), Key: key, CID: info.Metadata.Get("X-Amz-Meta-Cid"),
		Bytes: info.Size, At: info.LastModified.UTC()}
}

// awaitCID asks HeadObject for key's x-amz-meta-cid until the service has
// imported the CAR (n bytes): for ImportWait(n), less and less often.
func (s *S3) awaitCID(ctx context.Context, key string, n int64) (*Upload, error) {
	var info *minio.ObjectInfo
	done, err := awaitImport(ctx, s.o.Retry, s.o.Poll, n, func() (bool, error) {
		var err error
		info, err = s.head(ctx, key)
		return info != nil && info.Metadata.Get("X-Amz-Meta-Cid") != "", err
	})
	switch {
	case err != nil:
		return nil, err
	case done:
		return s.found(key, info), nil
	case info == nil:
		return nil, &TemporaryError{Err: fmt.Errorf("%s: %s is not there after the upload: re-run to ask again", s.Destination(), key)}
	}
	// Stored, never imported in all that time: a plain bucket.
	return nil, fmt.Errorf("%s holds %s but reports no x-amz-meta-cid after %s: the bucket does not import CARs; use a bucket that does (Filebase: an IPFS bucket) with --upload, or re-run later if the service is only slow",
		s.Destination(), key, ImportWait(n).Round(time.Second))
}

func isNotFound(err error) bool {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode == http.StatusNotFound || er.Code == "NoSuchKey" || er.Code == "NotFound"
	}
	return false
}

// Upload implements CARService: one PutObject up to the part size, else a
// resumable multipart upload; then HeadObject for the CID.
func (s *S3) Upload(ctx context.Context, c cid.Cid, name string, car CAROnDisk) (*Upload, error) {
	key := s.key(c)
	f, err := os.Open(car.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opts := minio.PutObjectOptions{UserMetadata: map[string]string{"import": "car"}, ContentType: "application/vnd.ipld.car"}
	if car.Size <= s.o.PartSize {
		md5b64, shaHex, serr := partSums(io.NewSectionReader(f, 0, car.Size))
		if serr != nil {
			return nil, serr
		}
		err = s.do(ctx, car.Size, "put "+key, func(ctx context.Context) error {
			body, end := countBody(s.o.Sent, key, 0, car.Size, io.NewSectionReader(f, 0, car.Size))
			defer end()
			_, err := s.core.PutObject(ctx, s.o.Bucket, key, body, car.Size, md5b64, shaHex, opts)
			return err
		})
	} else {
		err = s.multipart(ctx, key, f, car.Size, opts)
	}
	if err != nil {
		return nil, err
	}
	// The import may take a while after the upload, the longer the larger
	// the CAR: HeadObject until the CID appears.
	found, err := s.awaitCID(ctx, key, car.Size)
	if err != nil {
		return nil, err
	}
	found.Root = name
	return found, nil
}

// multipart uploads f in parts, resuming an unfinished upload of key.
func (s *S3) multipart(ctx context.Context, key string, f *os.File, size int64, opts minio.PutObjectOptions) error {
	partSize := s.o.PartSize
	for (size+partSize-1)/partSize > maxS3Parts {
		partSize *= 2
	}
	n := int((size + partSize - 1) / partSize)
	uploadID, have, err := s.resumable(ctx, key)
	if err != nil {
		return err
	}
	if uploadID == "" {
		err = s.do(ctx, 0, "create multipart "+key, func(ctx context.Context) (err error) {
			uploadID, err = s.core.NewMultipartUpload(ctx, s.o.Bucket, key, opts)
			return err
		})
		if err != nil {
			return err
		}
	}
	parts := make([]minio.CompletePart, n)
	var sent int64
	for i := range n {
		num := i + 1
		off := int64(i) * partSize
		length := min(partSize, size-off)
		sec := io.NewSectionReader(f, off, length)
		if p, ok := have[num]; ok && p.Size == length {
			sum, err := md5Of(sec)
			if err != nil {
				return err
			}
			if strings.Trim(p.ETag, `"`) == sum {
				parts[i] = minio.CompletePart{PartNumber: num, ETag: p.ETag}
				sent += length
				if s.o.Sent != nil {
					s.o.Sent(key, sent, size)
				}
				continue
			}
		}
		// Content-MD5 and the payload's SHA-256, computed first, make the
		// service check every byte of the part (and keep the request a
		// plain signed one, not aws-chunked).
		md5b64, shaHex, err := partSums(io.NewSectionReader(f, off, length))
		if err != nil {
			return err
		}
		// Each try of the part is counted as it is read; a retried one
		// (a 5xx, a connection reset mid-part) starts again from the bytes
		// of the parts before it.
		var part minio.ObjectPart
		err = s.do(ctx, length, fmt.Sprintf("part %d of %s", num, key), func(ctx context.Context) (err error) {
			body, end := countBody(s.o.Sent, key, sent, size, io.NewSectionReader(f, off, length))
			defer end()
			part, err = s.core.PutObjectPart(ctx, s.o.Bucket, key, uploadID, num, body, length,
				minio.PutObjectPartOptions{Md5Base64: md5b64, Sha256Hex: shaHex, DisableContentSha256: true})
			return err
		})
		if err != nil {
			return s.abortUnless(ctx, key, uploadID, err)
		}
		parts[i] = minio.CompletePart{PartNumber: num, ETag: part.ETag}
		sent += length
	}
	// Completing assembles the whole object on the service: its time grows
	// with the object, and so does the timeout.
	err = s.do(ctx, size, "complete "+key, func(ctx context.Context) error {
		_, err := s.core.CompleteMultipartUpload(ctx, s.o.Bucket, key, uploadID, parts, opts)
		return err
	})
	if err != nil {
		return s.abortUnless(ctx, key, uploadID, err)
	}
	return nil
}

// abortUnless aborts the multipart upload after a failure that a re-run
// cannot resume from (refused, not found, bad request), so it is not left
// billing; after an interruption or a fault still temporary it keeps it,
// and says that re-running resumes it.
func (s *S3) abortUnless(ctx context.Context, key, uploadID string, err error) error {
	if ctx.Err() != nil || retry.IsTemporary(err) {
		return fmt.Errorf("%w (the completed parts of %s stay on the service: re-run to resume)", err, key)
	}
	// The abort goes through the one retry policy too: a 503 on the abort
	// must not leave the parts billing.
	aerr := s.do(context.WithoutCancel(ctx), 0, "abort multipart "+key, func(ctx context.Context) error {
		return s.core.AbortMultipartUpload(ctx, s.o.Bucket, key, uploadID)
	})
	if aerr != nil && !isNotFound(aerr) {
		return fmt.Errorf("%w (and aborting the multipart upload of %s failed: %v; its parts may still be billed: re-run, or abort it in the service's console)", err, key, aerr)
	}
	return err
}

// resumable finds an unfinished multipart upload of key and its parts.
func (s *S3) resumable(ctx context.Context, key string) (string, map[int]minio.ObjectPart, error) {
	var res minio.ListMultipartUploadsResult
	err := s.do(ctx, 0, "list multipart uploads", func(ctx context.Context) (err error) {
		res, err = s.core.ListMultipartUploads(ctx, s.o.Bucket, key, "", "", "", 1000)
		return err
	})
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "NoSuchUpload" {
			return "", nil, nil // some S3 servers say so instead of an empty list
		}
		return "", nil, err
	}
	var id string
	var at time.Time
	for _, u := range res.Uploads {
		if u.Key == key && (id == "" || u.Initiated.After(at)) {
			id, at = u.UploadID, u.Initiated
		}
	}
	if id == "" {
		return "", nil, nil
	}
	have := map[int]minio.ObjectPart{}
	marker := 0
	for {
		var lp minio.ListObjectPartsResult
		err := s.do(ctx, 0, "list parts of "+key, func(ctx context.Context) (err error) {
			lp, err = s.core.ListObjectParts(ctx, s.o.Bucket, key, id, marker, 1000)
			return err
		})
		if err != nil {
			return "", nil, err
		}
		for _, p := range lp.ObjectParts {
			have[p.PartNumber] = p
		}
		if !lp.IsTruncated || lp.NextPartNumberMarker <= marker {
			break
		}
		marker = lp.NextPartNumberMarker
	}
	return id, have, nil
}

// partSums are a body's Content-MD5 (base64) and SHA-256 (hex).
func partSums(r io.Reader) (string, string, error) {
	m, h := md5.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(m, h), r); err != nil {
		return "", "", err
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), hex.EncodeToString(h.Sum(nil)), nil
}

func md5Of(r io.Reader) (string, error) {
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// do runs one S3 request under the one retry policy, each try with a
// timeout sized to its body (BodyTimeout), and turns the answers into
// genmint's errors: 429 and 5xx temporary, 401/403 a usage error naming the
// credentials' variables, an unreachable endpoint one line naming the flag.
func (s *S3) do(ctx context.Context, body int64, what string, f func(ctx context.Context) error) error {
	return retry.Do(ctx, s.o.Retry, func(int) error {
		rctx, cancel := context.WithTimeout(ctx, s.o.Timeout(body))
		defer cancel()
		return s.classify(what, f(rctx))
	})
}

func (s *S3) classify(what string, err error) error {
	if err == nil {
		return nil
	}
	var te *TemporaryError
	if errors.As(err, &te) {
		return &TemporaryError{Err: fmt.Errorf("%s: %s: %w", s.Destination(), what, te.Err), StatusCode: te.StatusCode, RetryAfter: te.RetryAfter}
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch {
		case er.StatusCode == http.StatusUnauthorized || er.StatusCode == http.StatusForbidden:
			return usage.Errorf("%s refused the credentials (HTTP %d %s): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)", s.Destination(), er.StatusCode, er.Code)
		case er.StatusCode == http.StatusNotFound && er.Code == "NoSuchBucket":
			return usage.Errorf("%s: no bucket %q: create it first (Filebase: an IPFS bucket)", s.Destination(), s.o.Bucket)
		case er.StatusCode == http.StatusTooManyRequests || er.StatusCode >= 500:
			return &TemporaryError{Err: fmt.Errorf("%s: %s: %s", s.Destination(), what, er.Message), StatusCode: er.StatusCode}
		}
		return fmt.Errorf("%s: %s: HTTP %d %s: %w", s.Destination(), what, er.StatusCode, er.Code, err)
	}
	if ce, ok := neterr.Cert("s3 endpoint", s.host, err); ok {
		return ce
	}
	if reason, ok := neterr.Unreachable(err); ok {
		return fmt.Errorf("cannot reach %s (%s): check --s3-endpoint and the network", s.Destination(), reason)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &TemporaryError{Err: fmt.Errorf("%s: %s: timed out", s.Destination(), what)}
	}
	if neterr.Dropped(err) {
		// A connection reset mid-part: the request is idempotent (the part
		// is sent again whole, checked by its Content-MD5).
		return &TemporaryError{Err: fmt.Errorf("%s: %s: the connection dropped: %w", s.Destination(), what, err)}
	}
	return fmt.Errorf("%s: %s: %w", s.Destination(), what, err)
}

// s3Transport turns 429 and 503 answers into *TemporaryError carrying the
// server's Retry-After, which minio-go's own error type does not keep.
type s3Transport struct{ base http.RoundTripper }

func (t *s3Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		after := retry.After(resp.Header, time.Now())
		drain(resp)
		return nil, &TemporaryError{StatusCode: resp.StatusCode, RetryAfter: after,
			Err: fmt.Errorf("answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))}
	}
	return resp, nil
}

// BodyTimeout is the timeout of one request carrying n bytes: a minute,
// plus the time to send n bytes at 256 KiB/s. A large CAR never meets a
// global cap; a stalled request still ends.
func BodyTimeout(n int64) time.Duration {
	return time.Minute + time.Duration(n/(256<<10))*time.Second
}
