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
	"strconv"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/internal/usage"
)

// Pinata's endpoints and limits, as Pinata documents them. Sources, read
// for this client in December 2026 (Pinata's documentation is the
// repository github.com/PinataCloud/docs, published at docs.pinata.cloud;
// read at commit 0a7996d0, June 2026):
//
//   - Upload a File, https://docs.pinata.cloud/api-reference/endpoint/upload-a-file
//     (pinata-api-v3-uploads.yaml): POST https://uploads.pinata.cloud/v3/files,
//     Authorization: Bearer <JWT>, multipart/form-data with the required
//     `file` and `network` (public|private) and the optional `name`,
//     `group_id`, `keyvalues` and `car` (boolean: "Upload a file as a raw
//     CAR file (only supported for public network)"); 200 answers
//     {"data": {id, name, cid, created_at, size, number_of_files,
//     mime_type, user_id, group_id, is_duplicate}}.
//   - Uploading Files, https://docs.pinata.cloud/files/uploading-files
//     ("Upload by CAR File"): car=true uploads a CAR; paid plans only,
//     public network only, one root CID only; CAR processing is
//     asynchronous — Pinata validates the CAR and its blocks after the
//     upload and reports the outcome (imported or failed) by webhook.
//     ("Resumable Uploads"): the same endpoint is fully TUS compatible;
//     uploads above 100MB must use TUS; chunks must be smaller than 50MB;
//     the metadata carries filename, filetype, network, group_id,
//     keyvalues; the Authorization header as above.
//   - Get File by ID and List Files, https://docs.pinata.cloud/api-reference/endpoint/get-file-by-id
//     and …/list-files (pinata-api-v3.yaml): GET
//     https://api.pinata.cloud/v3/files/{network}/{id} answers {"data":
//     file}; GET …/files/{network}?cid=…&name=…&cidPending=true answers
//     {"data": {"files": […], "next_page_token": …}}.
//   - List & Query Files, https://docs.pinata.cloud/files/listing-files:
//     a file's `cid` is the string "pending" until Pinata has one
//     (cidPending "returns files where cid is still pending").
//   - Limits, https://docs.pinata.cloud/account-management/limits: rate
//     limits per plan (60 requests a minute on the free plan).
//   - Pinata's SDK, github.com/PinataCloud/pinata
//     src/core/functions/uploads/file.ts (commit 8c033da8): TUS above
//     94,371,840 bytes; `car` in the TUS metadata (base64 "true"); PATCH
//     with Content-Type application/offset+octet-stream and Upload-Offset;
//     the last PATCH answers 204 with an Upload-Cid header, and the file is
//     then looked up with GET …/files/{network}?cid=<Upload-Cid>; 401 and
//     403 are authentication failures.
//
// Not documented, and handled conservatively: the status code and body of
// a 429 (Retry-After is honoured when present, else the one back-off); the
// shape of error bodies (read as {"error": …} when JSON, else as text,
// shortened); how a failed CAR import shows in the API (only the webhook
// is documented: here a file that disappears while its CID is pending is a
// failed import, and one still pending after ImportWait of its size is an
// error that records nothing); how long an import takes; what Upload-Cid holds for an asynchronous
// CAR import (when it is not a CID, the file is found by its name among
// the pending ones); and which error a free plan gets for car=true.
const (
	DefaultPinataUploads = "https://uploads.pinata.cloud/v3"
	DefaultPinataAPI     = "https://api.pinata.cloud/v3"
	PinataSingleLimit    = 94371840 // above this, TUS
	pinataChunk          = 45 << 20 // "smaller than 50MB"
)

// PinataOptions configure the Pinata destination.
type PinataOptions struct {
	JWT string // from PINATA_JWT; sent only in the Authorization header
	// Uploads and API override the endpoints (tests).
	Uploads, API string
	// SingleLimit is the largest single-request upload (default
	// PinataSingleLimit); ChunkSize the TUS chunk (default 45 MiB).
	SingleLimit, ChunkSize int64
	// Poll is the first wait between checks of an upload's CID (default
	// 2 s; the waits double up to 30 s, for ImportWait of the CAR's size);
	// Retry the one retry policy (zero: DefaultRetry), whose Sleep those
	// waits go through.
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
type Pinata struct {
	o PinataOptions
	// label is how messages, the pin record and uploads/pinata.json name
	// the API (PinataLabel): never a path that may hold a key.
	label string
}

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
	return &Pinata{o: o, label: PinataLabel(o.API)}, nil
}

// Service implements CARService.
func (p *Pinata) Service() string { return "pinata" }

// Destination implements CARService.
func (p *Pinata) Destination() string { return p.label }

// PinataLabel names the Pinata-compatible API at api: "pinata " and its
// scheme and host, with its path only when that is none or Pinata's own
// /v3 (so the default, https://api.pinata.cloud/v3, is named as before and
// genmint repair can open it again); any other path, where a key may sit,
// is shown as "/…" (redact.URL). An uploads/pinata.json entry written with
// the full URL before is read under this label (readUploadsFile).
func PinataLabel(api string) string {
	u, err := url.Parse(strings.TrimRight(api, "/"))
	if err == nil && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" && (u.Path == "" || u.Path == "/v3") {
		return "pinata " + u.Scheme + "://" + u.Host + u.Path
	}
	return "pinata " + redact.URL(api)
}

// shownPath is the path of a request to Pinata for a message: below an API
// whose path the label hides, only the part after it.
func (p *Pinata) shownPath(u *url.URL) string {
	if strings.HasSuffix(p.label, "/…") {
		for _, base := range []string{p.o.API, p.o.Uploads} {
			if b, err := url.Parse(base); err == nil && b.Host == u.Host && b.Path != "" && strings.HasPrefix(u.Path, b.Path) {
				return "…" + strings.TrimPrefix(u.Path, b.Path)
			}
		}
	}
	return u.Path
}

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

// carName is the name a root's CAR is uploaded under, which is how an
// upload Pinata is still importing is found again.
func carName(c cid.Cid) string { return c.String() + ".car" }

// list returns the public files matching query (List Files).
func (p *Pinata) list(ctx context.Context, query string) ([]pinataFile, error) {
	var out struct {
		Data struct{ Files []pinataFile } `json:"data"`
	}
	if err := p.do(ctx, http.MethodGet, p.o.API+"/files/public?"+query, nil, "", 0, &out); err != nil {
		return nil, err
	}
	return out.Data.Files, nil
}

// pendingUpload returns the file Pinata is still importing for c's CAR,
// or nil.
func (p *Pinata) pendingUpload(ctx context.Context, c cid.Cid) (*pinataFile, error) {
	return p.named(ctx, c, "&cidPending=true")
}

// named returns the first file Pinata lists under the name of c's CAR
// (the list query narrowed by extra), or nil.
func (p *Pinata) named(ctx context.Context, c cid.Cid, extra string) (*pinataFile, error) {
	files, err := p.list(ctx, "name="+url.QueryEscape(carName(c))+extra)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.Name == carName(c) {
			return &f, nil
		}
	}
	return nil, nil
}

func pending(f pinataFile) bool { return f.CID == "" || f.CID == "pending" }

// accepted returns the file Pinata holds under the name of c's CAR, imported
// or still pending, or nil. It is asked before an upload is tried again: a
// request whose body was sent and whose answer was lost (a connection
// reset, a 5xx, a timeout) may have been accepted, and a second upload
// would be paid twice. The name is asked twice, because the List Files
// documentation does not say whether a list by name includes the files
// whose CID is still pending.
func (p *Pinata) accepted(ctx context.Context, c cid.Cid) (*pinataFile, error) {
	if f, err := p.named(ctx, c, ""); f != nil || err != nil {
		return f, err
	}
	return p.pendingUpload(ctx, c)
}

// Find implements CARService: the public files with this CID; else an
// upload of c's CAR that Pinata is still importing (left by a killed run),
// waited for rather than paid for twice.
func (p *Pinata) Find(ctx context.Context, c cid.Cid, known *Upload) (*Upload, error) {
	if known != nil && known.Key != "" {
		var out struct{ Data pinataFile }
		err := p.do(ctx, http.MethodGet, p.o.API+"/files/public/"+url.PathEscape(known.Key), nil, "", 0, &out)
		if err == nil && !pending(out.Data) {
			return p.upload(out.Data), nil
		}
		if err != nil && !isHTTPStatus(err, http.StatusNotFound) {
			return nil, err
		}
	}
	files, err := p.list(ctx, "cid="+url.QueryEscape(c.String()))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.CID == c.String() {
			return p.upload(f), nil
		}
	}
	f, err := p.pendingUpload(ctx, c)
	if err != nil || f == nil {
		return nil, err
	}
	done, err := p.wait(ctx, *f, f.Size)
	if errors.Is(err, ErrPinataImportFailed) {
		return nil, nil // that upload failed: upload again
	}
	if err != nil {
		return nil, err
	}
	return p.upload(done), nil
}

// ErrPinataImportFailed matches a CAR upload that Pinata dropped before it
// had a CID: its import failed.
var ErrPinataImportFailed = errors.New("the CAR import failed")

// wait polls the file until Pinata reports its CID: a CAR import is
// asynchronous, and takes longer the larger the CAR (n bytes), so the
// checks go on for ImportWait(n), less and less often. A file that
// disappears meanwhile failed to import; one still pending at the end is
// an error too. Either way nothing is recorded, and a re-run asks again
// (and finds a pending file by its name).
func (p *Pinata) wait(ctx context.Context, f pinataFile, n int64) (pinataFile, error) {
	done, err := awaitImport(ctx, p.o.Retry, p.o.Poll, n, func() (bool, error) {
		if !pending(f) {
			return true, nil
		}
		var out struct{ Data pinataFile }
		err := p.do(ctx, http.MethodGet, p.o.API+"/files/public/"+url.PathEscape(f.ID), nil, "", 0, &out)
		if isHTTPStatus(err, http.StatusNotFound) {
			return false, fmt.Errorf("%s: %w: Pinata dropped file %s (%s) before it had a CID (Pinata reports why by webhook and in its app; CAR uploads need a paid plan, the public network and one root)",
				p.Destination(), ErrPinataImportFailed, f.ID, f.Name)
		}
		if err != nil {
			return false, err
		}
		f = out.Data
		return !pending(f), nil
	})
	if err == nil && !done {
		err = &TemporaryError{Err: fmt.Errorf("%s: file %s (%s) is still pending after %s: Pinata has not finished importing the CAR; re-run later to check again (the upload is found by its name, not sent again)",
			p.Destination(), f.ID, f.Name, ImportWait(n).Round(time.Second))}
	}
	return f, err
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
	if f, err = p.wait(ctx, f, car.Size); err != nil {
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
	err := retry.Do(ctx, p.o.Retry, func(try int) error {
		if try > 1 {
			// The last try may have been accepted: wait for that file
			// rather than pay for a second upload.
			f, err := p.accepted(ctx, c)
			if err != nil || f != nil {
				if f != nil {
					out.Data = *f
				}
				return err
			}
		}
		fh, err := os.Open(car.Path)
		if err != nil {
			return err
		}
		defer fh.Close()
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			err := func() error {
				for _, kv := range [][2]string{{"network", "public"}, {"name", carName(c)}, {"car", "true"}} {
					if err := mw.WriteField(kv[0], kv[1]); err != nil {
						return err
					}
				}
				fw, err := mw.CreateFormFile("file", carName(c))
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
		meta := "filename " + b64(carName(c)) + ",filetype " + b64("application/vnd.ipld.car") + ",network " + b64("public") + ",car " + b64("true")
		h := http.Header{}
		var done *pinataFile
		err := retry.Do(ctx, p.o.Retry, func(try int) error {
			if try > 1 {
				// As for a single request: an answer lost is not a
				// request refused; Pinata may hold the file already.
				f, err := p.accepted(ctx, c)
				if err != nil || f != nil {
					done = f
					return err
				}
			}
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
		if done != nil {
			return *done, nil
		}
		l, err := url.Parse(h.Get("Location"))
		if err != nil || h.Get("Location") == "" {
			return pinataFile{}, fmt.Errorf("%s: the TUS upload was created without a Location", p.Destination())
		}
		base, _ := url.Parse(p.o.Uploads + "/files")
		loc = base.ResolveReference(l).String()
		if mark != "" {
			// The mark is what lets a killed run resume instead of paying
			// again: written whole or not at all, and an upload that
			// cannot be marked is not begun.
			err := os.MkdirAll(p.o.StateDir, 0o755)
			if err == nil {
				err = fsatomic.WriteFile(mark, []byte(loc+"\n"), 0o644)
			}
			if err != nil {
				_ = p.deleteTUS(ctx, loc)
				return pinataFile{}, fmt.Errorf("record the TUS upload of %s, so that a re-run resumes it: %w", name, err)
			}
		}
	}
	fh, err := os.Open(car.Path)
	if err != nil {
		return pinataFile{}, err
	}
	defer fh.Close()
	if p.o.Sent != nil && offset > 0 {
		p.o.Sent(c.String()+".car", offset, car.Size) // resumed from the server's offset
	}
	var last http.Header // the last PATCH's answer
	what := c.String() + ".car"
	for offset < car.Size {
		var n int64
		h := http.Header{}
		err := retry.Do(ctx, p.o.Retry, func(try int) error {
			if try > 1 {
				// A failed PATCH may have delivered part of its chunk,
				// which a TUS server keeps: go on from the offset the
				// server reports (HEAD), not from where the try began.
				hh := http.Header{}
				if err := p.doTUS(ctx, http.MethodHead, loc, nil, 0, 0, &hh); err != nil {
					return err
				}
				if at, err := strconv.ParseInt(hh.Get("Upload-Offset"), 10, 64); err == nil && at >= offset && at <= car.Size {
					offset = at
				}
				if offset == car.Size {
					h, n = hh, 0 // the last chunk arrived; its answer did not
					return nil
				}
			}
			n = min(p.o.ChunkSize, car.Size-offset)
			body, end := countBody(p.o.Sent, what, offset, car.Size, io.NewSectionReader(fh, offset, n))
			defer end()
			return p.doTUS(ctx, http.MethodPatch, loc, body, n, offset, &h)
		})
		if err != nil && ctx.Err() == nil && !IsTemporary(err) {
			// Refused for good: a re-run could not resume it. Terminate it
			// (TUS termination) so nothing half-stored is left behind.
			if mark != "" {
				err = errors.Join(err, p.terminate(ctx, mark))
			} else {
				err = errors.Join(err, p.deleteTUS(ctx, loc))
			}
			return pinataFile{}, fmt.Errorf("%w (the TUS upload was terminated)", err)
		}
		if err != nil {
			return pinataFile{}, fmt.Errorf("%w (the upload is kept: re-run to resume from byte %d)", err, offset)
		}
		next, perr := strconv.ParseInt(h.Get("Upload-Offset"), 10, 64)
		if perr != nil || next <= offset {
			next = offset + n
		}
		offset, last = next, h
	}
	if mark != "" {
		os.Remove(mark)
	}
	// The last PATCH carries the file's CID in Upload-Cid (Pinata's SDK);
	// a CAR still being imported has none yet: find its file by name.
	if uc := last.Get("Upload-Cid"); uc != "" && uc != "pending" {
		files, err := p.list(ctx, "cid="+url.QueryEscape(uc))
		if err != nil {
			return pinataFile{}, err
		}
		if len(files) > 0 {
			return files[0], nil
		}
	}
	f, err := p.pendingUpload(ctx, c)
	if err != nil {
		return pinataFile{}, err
	}
	if f == nil {
		files, err := p.list(ctx, "cid="+url.QueryEscape(c.String()))
		if err != nil {
			return pinataFile{}, err
		}
		if len(files) == 0 {
			return pinataFile{}, fmt.Errorf("%s: the TUS upload of %s finished, but Pinata lists no file named %s, pending or with CID %s: re-run to ask again",
				p.Destination(), name, carName(c), c)
		}
		f = &files[0]
	}
	return *f, nil
}

// deleteTUS terminates the TUS upload at loc (the TUS termination
// extension), under the retry policy, even once ctx has ended.
func (p *Pinata) deleteTUS(ctx context.Context, loc string) error {
	ctx = context.WithoutCancel(ctx)
	return retry.Do(ctx, p.o.Retry, func(int) error { return p.doTUS(ctx, http.MethodDelete, loc, nil, 0, 0, nil) })
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
		if ce, ok := neterr.Cert("pinata", req.URL.Host, err); ok {
			return ce // not temporary: no try will trust it
		}
		if reason, ok := neterr.Unreachable(err); ok {
			return fmt.Errorf("cannot reach %s (%s): check the network", p.Destination(), reason)
		}
		if req.Context().Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return &TemporaryError{Err: fmt.Errorf("%s: %s timed out", p.Destination(), req.Method)}
		}
		// The client's error quotes the request's URL, the API's path too.
		return &TemporaryError{Err: fmt.Errorf("%s: %s: %v", p.Destination(), req.Method, redact.URLIn(redact.URLIn(err, p.o.API), p.o.Uploads))}
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
			return fmt.Errorf("%s: %s answered garbage: %v", p.Destination(), p.shownPath(req.URL), err)
		}
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	msg := string(b)
	var e struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != nil {
		msg = fmt.Sprint(e.Error)
	}
	// One line, shortened, safe for a terminal, whatever Pinata sent.
	msg = termtext.Line(termtext.Collapse(redact.Secrets(msg, p.o.JWT), serverTextMax))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return usage.Errorf("%s refused the JWT in PINATA_JWT (HTTP %d): put a valid key's JWT (with files:write) in PINATA_JWT", p.Destination(), resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &TemporaryError{StatusCode: resp.StatusCode, RetryAfter: retry.After(resp.Header, time.Now()),
			Err: fmt.Errorf("%s answered %s", p.Destination(), resp.Status)}
	}
	hint := ""
	if req.Method == http.MethodPost || req.Method == http.MethodPatch {
		hint = " (Pinata takes CAR uploads on paid plans only, on the public network, with one root)"
	}
	return &pinataStatusError{status: resp.StatusCode, msg: fmt.Sprintf("%s: %s %s answered %s: %s%s", p.Destination(), req.Method, p.shownPath(req.URL), resp.Status, msg, hint)}
}
