package pin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/usage"
)

// Pinata's endpoints and limits.
//
// Sources (read for this client, December 2026):
//   - Upload a File, https://docs.pinata.cloud/api-reference/endpoint/upload-a-file:
//     POST https://uploads.pinata.cloud/v3/files, multipart/form-data with
//     the required `file` and `network` (public|private) and an optional
//     `name`; Authorization: Bearer <JWT>; the answer is {"data": {id, name,
//     cid, size, network, created_at, …}}.
//   - Pinata's SDK (github.com/PinataCloud/pinata,
//     src/core/functions/uploads/file.ts): above 94,371,840 bytes the same
//     endpoint speaks TUS (POST with Upload-Length and Upload-Metadata
//     "filename <b64>,filetype <b64>,network <b64>", answered with a
//     Location; PATCH chunks with Upload-Offset and Content-Type
//     application/offset+octet-stream; the last answers 204), and the file
//     is then read with GET https://api.pinata.cloud/v3/files/{network}/{id},
//     the id being the upload URL's last segment.
//   - List Files, GET https://api.pinata.cloud/v3/files/{network}?cid=…,
//     answers {"data": {"files": […]}}.
//   - car=true (a form field; "car" in the TUS metadata) asks Pinata to
//     import the upload as a CAR, keeping its root CID: issue 16 names it;
//     the pages above do not show it.
const (
	DefaultPinataUploads = "https://uploads.pinata.cloud/v3"
	DefaultPinataAPI     = "https://api.pinata.cloud/v3"
	PinataSingleLimit    = 94371840 // above this, TUS
	pinataChunk          = 50 << 20
)

// PinataOptions configure the Pinata destination.
type PinataOptions struct {
	JWT string // from PINATA_JWT; sent only in the Authorization header
	// Uploads and API override the endpoints (tests).
	Uploads, API string
	// SingleLimit is the largest single-request upload (default
	// PinataSingleLimit); ChunkSize the TUS chunk (default 50 MiB).
	SingleLimit, ChunkSize int64
	// Poll is the wait between checks of an upload's CID (default 2 s);
	// Retry the one retry policy (zero: DefaultRetry), which also bounds
	// how long an upload may stay without a CID.
	Poll  time.Duration
	Retry RetryPolicy
	// StateDir holds each unfinished TUS upload's URL (<cid>.tus), so a
	// killed run resumes it. No secret is written there.
	StateDir string
	Client   *http.Client
	// Sent, when set, hears each CAR's bytes sent so far.
	Sent SentFunc
}

// Pinata uploads each root's CAR to Pinata's public IPFS network with the
// v3 Files API, and counts it only when the CID Pinata reports is the
// local root.
type Pinata struct{ o PinataOptions }

var _ CARService = (*Pinata)(nil)

// NewPinata returns the Pinata destination.
func NewPinata(o PinataOptions) (*Pinata, error) {
	if o.JWT == "" {
		return nil, usage.Errorf("--upload pinata needs PINATA_JWT: put a Pinata API key's JWT in it")
	}
	if o.Uploads == "" {
		o.Uploads = DefaultPinataUploads
	}
	if o.API == "" {
		o.API = DefaultPinataAPI
	}
	o.Uploads, o.API = strings.TrimRight(o.Uploads, "/"), strings.TrimRight(o.API, "/")
	if o.SingleLimit <= 0 {
		o.SingleLimit = PinataSingleLimit
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = pinataChunk
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Retry.Attempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	return &Pinata{o: o}, nil
}

// Service implements CARService.
func (p *Pinata) Service() string { return "pinata" }

// Destination implements CARService.
func (p *Pinata) Destination() string { return "pinata " + p.o.API }

type pinataFile struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	CID     string    `json:"cid"`
	Size    int64     `json:"size"`
	Network string    `json:"network"`
	Created time.Time `json:"created_at"`
}

func (p *Pinata) upload(f pinataFile) *Upload {
	return &Upload{Service: p.Service(), Destination: p.Destination(), Key: f.ID, CID: f.CID, Bytes: f.Size, At: f.Created.UTC()}
}

// Find implements CARService: the public files with this CID.
func (p *Pinata) Find(ctx context.Context, c cid.Cid, known *Upload) (*Upload, error) {
	if known != nil && known.Key != "" {
		var out struct{ Data pinataFile }
		err := p.do(ctx, http.MethodGet, p.o.API+"/files/public/"+url.PathEscape(known.Key), nil, "", 0, &out)
		if err == nil && out.Data.CID != "" && out.Data.CID != "pending" {
			return p.upload(out.Data), nil
		}
		if err != nil && !isHTTPStatus(err, http.StatusNotFound) {
			return nil, err
		}
	}
	var out struct {
		Data struct{ Files []pinataFile } `json:"data"`
	}
	if err := p.do(ctx, http.MethodGet, p.o.API+"/files/public?cid="+url.QueryEscape(c.String()), nil, "", 0, &out); err != nil {
		return nil, err
	}
	for _, f := range out.Data.Files {
		if f.CID == c.String() {
			return p.upload(f), nil
		}
	}
	return nil, nil
}

// Upload implements CARService: one multipart request up to SingleLimit,
// else TUS (resumed from the offset Pinata reports); then poll the file
// until Pinata reports its CID.
func (p *Pinata) Upload(ctx context.Context, c cid.Cid, name string, car CAROnDisk) (*Upload, error) {
	var f pinataFile
	var err error
	if car.Size <= p.o.SingleLimit {
		f, err = p.single(ctx, c, name, car)
	} else {
		f, err = p.tus(ctx, c, name, car)
	}
	if err != nil {
		return nil, err
	}
	// Pinata may import asynchronously: wait for the CID.
	err = retry.Do(ctx, p.o.Retry, func(int) error {
		if f.CID != "" && f.CID != "pending" {
			return nil
		}
		if err := retry.Sleep(ctx, p.o.Poll); err != nil {
			return err
		}
		var out struct{ Data pinataFile }
		if err := p.do(ctx, http.MethodGet, p.o.API+"/files/public/"+url.PathEscape(f.ID), nil, "", 0, &out); err != nil {
			return err
		}
		f = out.Data
		if f.CID == "" || f.CID == "pending" {
			return &TemporaryError{Err: fmt.Errorf("%s: file %s has no CID yet", p.Destination(), f.ID)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	u := p.upload(f)
	u.Root = name
	if u.Bytes == 0 {
		u.Bytes = car.Size
	}
	return u, nil
}

func (p *Pinata) single(ctx context.Context, c cid.Cid, name string, car CAROnDisk) (pinataFile, error) {
	var out struct{ Data pinataFile }
	err := retry.Do(ctx, p.o.Retry, func(int) error {
		fh, err := os.Open(car.Path)
		if err != nil {
			return err
		}
		defer fh.Close()
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			err := func() error {
				for _, kv := range [][2]string{{"network", "public"}, {"name", c.String() + ".car"}, {"car", "true"}} {
					if err := mw.WriteField(kv[0], kv[1]); err != nil {
						return err
					}
				}
				fw, err := mw.CreateFormFile("file", c.String()+".car")
				if err != nil {
					return err
				}
				var w io.Writer = fw
				if p.o.Sent != nil {
					w = &countingWriter{w: fw, report: func(n int64) { p.o.Sent(c.String()+".car", n, car.Size) }}
				}
				if _, err := io.Copy(w, fh); err != nil {
					return err
				}
				return mw.Close()
			}()
			pw.CloseWithError(err)
		}()
		err = p.once(ctx, http.MethodPost, p.o.Uploads+"/files", pr, mw.FormDataContentType(), car.Size, &out, nil)
		pr.Close()
		return err
	})
	return out.Data, err
}

// tus sends the CAR with the TUS protocol, resuming an upload whose URL a
// killed run left in StateDir.
func (p *Pinata) tus(ctx context.Context, c cid.Cid, name string, car CAROnDisk) (pinataFile, error) {
	mark := ""
	if p.o.StateDir != "" {
		mark = p.o.StateDir + "/" + c.String() + ".tus"
	}
	loc, offset := "", int64(0)
	if mark != "" {
		if b, err := os.ReadFile(mark); err == nil {
			loc = strings.TrimSpace(string(b))
			h := http.Header{}
			if err := p.doTUS(ctx, http.MethodHead, loc, nil, 0, 0, &h); err == nil {
				offset, _ = strconv.ParseInt(h.Get("Upload-Offset"), 10, 64)
			} else {
				loc = "" // expired or unknown: start again
			}
		}
	}
	if loc == "" {
		b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
		meta := "filename " + b64(c.String()+".car") + ",filetype " + b64("application/vnd.ipld.car") + ",network " + b64("public") + ",car " + b64("true")
		h := http.Header{}
		err := retry.Do(ctx, p.o.Retry, func(int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.o.Uploads+"/files", nil)
			if err != nil {
				return err
			}
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Upload-Length", strconv.FormatInt(car.Size, 10))
			req.Header.Set("Upload-Metadata", meta)
			return p.send(req, 0, nil, &h)
		})
		if err != nil {
			return pinataFile{}, err
		}
		l, err := url.Parse(h.Get("Location"))
		if err != nil || h.Get("Location") == "" {
			return pinataFile{}, fmt.Errorf("%s: the TUS upload was created without a Location", p.Destination())
		}
		base, _ := url.Parse(p.o.Uploads + "/files")
		loc = base.ResolveReference(l).String()
		if mark != "" {
			_ = os.MkdirAll(p.o.StateDir, 0o755)
			_ = os.WriteFile(mark, []byte(loc+"\n"), 0o644)
		}
	}
	fh, err := os.Open(car.Path)
	if err != nil {
		return pinataFile{}, err
	}
	defer fh.Close()
	if p.o.Sent != nil && offset > 0 {
		p.o.Sent(c.String()+".car", offset, car.Size) // resumed
	}
	for offset < car.Size {
		n := min(p.o.ChunkSize, car.Size-offset)
		h := http.Header{}
		err := retry.Do(ctx, p.o.Retry, func(int) error {
			return p.doTUS(ctx, http.MethodPatch, loc, io.NewSectionReader(fh, offset, n), n, offset, &h)
		})
		if err != nil {
			return pinataFile{}, fmt.Errorf("%w (the upload is kept: re-run to resume from byte %d)", err, offset)
		}
		next, perr := strconv.ParseInt(h.Get("Upload-Offset"), 10, 64)
		if perr != nil || next <= offset {
			next = offset + n
		}
		offset = next
		if p.o.Sent != nil {
			p.o.Sent(c.String()+".car", offset, car.Size)
		}
	}
	if mark != "" {
		os.Remove(mark)
	}
	return pinataFile{ID: path.Base(strings.TrimRight(loc, "/"))}, nil
}

func (p *Pinata) doTUS(ctx context.Context, method, loc string, body io.Reader, n, offset int64, h *http.Header) error {
	req, err := http.NewRequestWithContext(ctx, method, loc, body)
	if err != nil {
		return err
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	if method == http.MethodPatch {
		req.ContentLength = n
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	}
	return p.send(req, n, nil, h)
}

// do sends one request under the retry policy and decodes a JSON answer.
func (p *Pinata) do(ctx context.Context, method, u string, body []byte, ctype string, n int64, out any) error {
	return retry.Do(ctx, p.o.Retry, func(int) error {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		return p.once(ctx, method, u, r, ctype, n, out, nil)
	})
}

func (p *Pinata) once(ctx context.Context, method, u string, body io.Reader, ctype string, n int64, out any, h *http.Header) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return p.send(req, n, out, h)
}

// pinataStatusError is a non-2xx answer that is not retried.
type pinataStatusError struct {
	status int
	msg    string
}

func (e *pinataStatusError) Error() string { return e.msg }

func isHTTPStatus(err error, code int) bool {
	var se *pinataStatusError
	return errors.As(err, &se) && se.status == code
}

// send adds the JWT, applies a timeout sized to the body, and maps the
// answer: 401/403 a usage error naming PINATA_JWT, 429/5xx temporary (with
// Retry-After), other failures one line with Pinata's message.
func (p *Pinata) send(req *http.Request, n int64, out any, h *http.Header) error {
	ctx, cancel := context.WithTimeout(req.Context(), BodyTimeout(n))
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+p.o.JWT)
	resp, err := p.o.Client.Do(req)
	if err != nil {
		if reason, ok := neterr.Unreachable(err); ok {
			return fmt.Errorf("cannot reach %s (%s): check the network", p.Destination(), reason)
		}
		if req.Context().Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return &TemporaryError{Err: fmt.Errorf("%s: %s timed out", p.Destination(), req.Method)}
		}
		return &TemporaryError{Err: fmt.Errorf("%s: %s: %v", p.Destination(), req.Method, err)}
	}
	defer resp.Body.Close()
	if h != nil {
		*h = resp.Header
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil {
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(out); err != nil {
			return fmt.Errorf("%s: %s answered garbage: %v", p.Destination(), req.URL.Path, err)
		}
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	msg := strings.TrimSpace(string(b))
	var e struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != nil {
		msg = fmt.Sprint(e.Error)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return usage.Errorf("%s refused the JWT in PINATA_JWT (HTTP %d): put a valid key's JWT (with files:write) in PINATA_JWT", p.Destination(), resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &TemporaryError{StatusCode: resp.StatusCode, RetryAfter: retry.After(resp.Header, time.Now()),
			Err: fmt.Errorf("%s answered %s", p.Destination(), resp.Status)}
	}
	return &pinataStatusError{status: resp.StatusCode, msg: fmt.Sprintf("%s: %s %s answered %s: %s", p.Destination(), req.Method, req.URL.Path, resp.Status, msg)}
}
