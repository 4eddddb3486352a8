package pin

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/state"
)

// UploadsDir is the folder, inside a collection, of the uploads ledger:
// uploads/<service>.json, one file per service, meant to be committed like
// deployments/. The state database keeps the same records (pin_uploads),
// but it is a cache that can be lost; the file is what stops a second,
// paid upload of a root the service already holds.
const UploadsDir = "uploads"

// Upload is one confirmed upload of a root's CAR to a service: the service
// answered, after the upload, with exactly the root CID genmint computed.
type Upload struct {
	Service     string    `json:"service"`     // "s3", "pinata": the uploads file's name
	Destination string    `json:"destination"` // e.g. "s3 https://s3.filebase.com/bucket/prefix"
	Key         string    `json:"key"`         // the object key, or the service's file id
	Root        string    `json:"root"`        // images, originals, provenance, metadata, contract
	CID         string    `json:"cid"`         // the root CID the service confirmed (= genmint's)
	Bytes       int64     `json:"bytes"`       // the CAR's size
	At          time.Time `json:"at"`
}

// SentFunc hears an upload's progress: n bytes of what (an object key, a
// CAR's name) sent so far, of total (which may be an estimate that n
// passes). Calls for one upload never overlap; they must not block.
type SentFunc func(what string, n, total int64)

// countBody wraps one request's body so that sent hears, as the transport
// reads it, base (what earlier requests of the upload delivered) plus the
// bytes read so far: progress within an S3 part or a TUS chunk, not only
// between them. Each try of a request gets its own, which first reports
// base: a retried part or chunk rolls the display back by what the failed
// try had counted. The returned end stops the reports once the try is over
// (the transport may still be reading a failed try's body). With no sent,
// r is returned as it is.
func countBody(sent SentFunc, what string, base, total int64, r io.Reader) (io.Reader, func()) {
	if sent == nil {
		return r, func() {}
	}
	b := &bodyCounter{r: r, sent: sent, what: what, base: base, total: total}
	sent(what, base, total)
	return b, b.end
}

type bodyCounter struct {
	r           io.Reader
	sent        SentFunc
	what        string
	base, total int64

	mu    sync.Mutex
	n     int64
	ended bool
}

func (b *bodyCounter) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.mu.Lock()
		b.n += int64(n)
		if !b.ended {
			b.sent(b.what, b.base+b.n, b.total)
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *bodyCounter) end() {
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
}

// CAROnDisk is a complete CAR on disk, ready to upload: one root.
type CAROnDisk struct {
	Path string
	Size int64
}

// CARService is a remote IPFS service that takes a CAR upload and imports
// it: an S3-compatible bucket with CAR import (Filebase), Pinata. Run
// drives one through an uploader that writes each root's CAR, asks the
// service first, records each confirmed upload, and refuses a CID that is
// not genmint's.
//
// Contract:
//   - Find asks the service whether root c is already there (HEAD, a list
//     by CID) and returns what it holds, with the CID the service reports
//     (which may differ: the caller decides), or nil. known is the ledger's
//     record of an earlier upload of c, or nil. nil means the service said
//     it is not there (404, not listed): the ledger's record then moves to
//     its gone list and the root is uploaded again, so a request that
//     failed (after the retries) must be an error, never nil.
//   - Upload sends the CAR and returns what the service confirmed, with the
//     root CID the service reports, once the service says it is pinned. A
//     killed upload is resumed by the next call, never started over when
//     the service can resume (S3 multipart, TUS); one that fails for good
//     is aborted so nothing is left half-stored and billing.
//   - Each HTTP request is retried under the one retry policy
//     (internal/retry) on 429 and 5xx, after Retry-After; its timeout is
//     sized to its body.
//   - Errors never contain credentials.
type CARService interface {
	Service() string
	Destination() string
	Find(ctx context.Context, c cid.Cid, known *Upload) (*Upload, error)
	Upload(ctx context.Context, c cid.Cid, name string, car CAROnDisk) (*Upload, error)
}

// uploadsMigration adds pin_uploads: migration 2 of the pin component.
const uploadsMigration state.Migration = `CREATE TABLE pin_uploads(
		service     TEXT NOT NULL,
		destination TEXT NOT NULL,
		key         TEXT NOT NULL,
		root        TEXT NOT NULL,
		cid         TEXT NOT NULL,
		bytes       INTEGER NOT NULL,
		uploaded_at TEXT NOT NULL,
		PRIMARY KEY(destination, cid)
	) STRICT;`

// UploadsFile is the path of a service's uploads ledger in a collection.
func UploadsFile(dir, service string) string {
	return filepath.Join(dir, UploadsDir, service+".json")
}

// uploadsFile is uploads/<service>.json: the confirmed uploads, and, as
// history, the ones the service later said it no longer holds.
type uploadsFile struct {
	Service string       `json:"service"`
	Uploads []Upload     `json:"uploads"`
	Gone    []GoneUpload `json:"gone,omitempty"`
}

// GoneUpload is a confirmed upload its service, asked where the ledger
// said, no longer held (deleted or unpinned there): it is not published.
// It stays in the file's "gone" list as history; "uploads" lists only
// what the service confirms.
type GoneUpload struct {
	Upload
	GoneAt time.Time `json:"gone_at"`
}

// ReadUploads reads a service's uploads ledger (none: an empty list).
func ReadUploads(dir, service string) ([]Upload, error) {
	f, err := readUploadsFile(dir, service)
	return f.Uploads, err
}

func readUploadsFile(dir, service string) (uploadsFile, error) {
	b, err := os.ReadFile(UploadsFile(dir, service))
	if errors.Is(err, os.ErrNotExist) {
		return uploadsFile{Service: service}, nil
	}
	if err != nil {
		return uploadsFile{}, err
	}
	var f uploadsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return uploadsFile{}, fmt.Errorf("%s: %w: fix or remove the file (the service is asked again either way)", UploadsFile(dir, service), err)
	}
	relabel(&f)
	return f, nil
}

// relabel renames, in f, the destinations written before their label hid
// the API's path (a Pinata entry naming its --pinata-api URL in full) to
// today's label, so that they still match (no second upload); it returns
// each old label with its new one.
func relabel(f *uploadsFile) map[string]string {
	renamed := map[string]string{}
	if f.Service != "pinata" {
		return renamed
	}
	to := func(d *string) {
		if api, ok := strings.CutPrefix(*d, "pinata "); ok {
			if l := PinataLabel(api); l != *d {
				renamed[*d], *d = l, l
			}
		}
	}
	for i := range f.Uploads {
		to(&f.Uploads[i].Destination)
	}
	for i := range f.Gone {
		to(&f.Gone[i].Destination)
	}
	return renamed
}

// relabel rewrites uploads/pinata.json and the state database's rows
// under today's labels (see relabel) once, before a run reads them, so
// the old label, which may hold a key, leaves the file.
func (l *ledger) relabel(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := os.ReadFile(UploadsFile(l.dir, "pinata"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f uploadsFile
	if json.Unmarshal(b, &f) != nil {
		return nil // readUploadsFile names the problem
	}
	f.Service = "pinata"
	renamed := relabel(&f)
	if len(renamed) == 0 {
		return nil
	}
	if err := writeUploadsFile(l.dir, f); err != nil {
		return err
	}
	for from, to := range renamed {
		for _, table := range []string{"pin_uploads", "pin_roots"} {
			if _, err := l.db.SQL().ExecContext(ctx, `UPDATE OR IGNORE `+table+` SET destination = ? WHERE destination = ?`, to, from); err != nil {
				return fmt.Errorf("relabel %s: %w", table, err)
			}
		}
	}
	return nil
}

// writeUploadsFile writes f, its uploads in a stable order.
func writeUploadsFile(dir string, f uploadsFile) error {
	slices.SortFunc(f.Uploads, func(a, b Upload) int {
		if c := strings.Compare(a.Destination, b.Destination); c != 0 {
			return c
		}
		return strings.Compare(a.CID, b.CID)
	})
	b, _ := json.MarshalIndent(f, "", "  ")
	path := UploadsFile(dir, f.Service)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := fsatomic.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("record upload in %s: %w", path, err)
	}
	return nil
}

// ledger records confirmed uploads in the state database and in
// uploads/<service>.json, under one lock.
type ledger struct {
	dir string
	db  *state.DB
	mu  sync.Mutex
}

func (l *ledger) find(service, destination string, c cid.Cid) (*Upload, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ups, err := ReadUploads(l.dir, service)
	if err != nil {
		return nil, err
	}
	for _, u := range ups {
		if u.Destination == destination && u.CID == c.String() {
			return &u, nil
		}
	}
	return nil, nil
}

// hasRow says whether the state database records the upload of c to
// destination (a lost or rebuilt database does not, while the file does).
func (l *ledger) hasRow(ctx context.Context, destination, c string) (bool, error) {
	var n int
	err := l.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pin_uploads WHERE destination = ? AND cid = ?`, destination, c).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read pin_uploads: %w", err)
	}
	return n > 0, nil
}

// record writes u to the file (replacing an entry for the same destination
// and CID) and to the state database. The file first: it is the truth a
// lost database is rebuilt from.
func (l *ledger) record(ctx context.Context, u Upload) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := readUploadsFile(l.dir, u.Service)
	if err != nil {
		return err
	}
	f.Uploads = slices.DeleteFunc(f.Uploads, func(o Upload) bool { return o.Destination == u.Destination && o.CID == u.CID })
	f.Uploads = append(f.Uploads, u)
	if err := writeUploadsFile(l.dir, f); err != nil {
		return err
	}
	return l.putRow(ctx, u)
}

// forget moves u, which its service no longer holds, from the file's
// uploads to its gone list, and removes what the state database says of
// it: its pin_uploads row and every record that u's destination holds u's
// CID (so mint refuses a root only u confirmed). The file first, as in
// record.
func (l *ledger) forget(ctx context.Context, u Upload) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := readUploadsFile(l.dir, u.Service)
	if err != nil {
		return err
	}
	f.Uploads = slices.DeleteFunc(f.Uploads, func(o Upload) bool { return o.Destination == u.Destination && o.CID == u.CID })
	f.Gone = append(f.Gone, GoneUpload{Upload: u, GoneAt: l.db.Now().UTC()})
	if err := writeUploadsFile(l.dir, f); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM pin_uploads WHERE destination = ? AND cid = ?`, u.Destination, u.CID)
		return err
	})
	if err != nil {
		return fmt.Errorf("forget the upload of %s: %w", u.CID, err)
	}
	_, err = forgetPinned(ctx, l.db, u.Destination, u.CID)
	return err
}

// putRow writes u to the state database only (the file holds it already).
func (l *ledger) putRow(ctx context.Context, u Upload) error {
	return l.db.Tx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO pin_uploads(service, destination, key, root, cid, bytes, uploaded_at) VALUES(?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(destination, cid) DO UPDATE SET key = excluded.key, root = excluded.root, bytes = excluded.bytes, uploaded_at = excluded.uploaded_at`,
			u.Service, u.Destination, u.Key, u.Root, u.CID, u.Bytes, state.FormatTime(u.At))
		if err != nil {
			return fmt.Errorf("record upload of %s: %w", u.CID, err)
		}
		return nil
	})
}

// Uploads lists the confirmed uploads the state database holds.
func Uploads(ctx context.Context, db *state.DB) ([]Upload, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT service, destination, key, root, cid, bytes, uploaded_at FROM pin_uploads ORDER BY uploaded_at, cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Upload
	for rows.Next() {
		var u Upload
		var at string
		if err := rows.Scan(&u.Service, &u.Destination, &u.Key, &u.Root, &u.CID, &u.Bytes, &at); err != nil {
			return nil, err
		}
		u.At = state.ParseTime(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// uploader is the Pinner Run makes of a CARService: it asks the service
// before uploading, writes each root's CAR under .genmint/uploads/, and
// records only uploads whose CID the service confirmed equal to genmint's.
type uploader struct {
	svc    CARService
	ledger *ledger
	dir    string // where the CARs are written
	// sent, when set, hears an upload beginning (root, CAR size).
	begin func(root string, size int64)
	// again is set when Pin follows (pin, not repair): an upload the
	// service no longer holds is then sent again when it is one of roots.
	again bool
	roots map[string]bool // the run's root CIDs
	// gone, when set, hears each recorded upload the service no longer
	// holds, with the line to show.
	gone func(u Upload, note string)
}

// forget moves known, which the service no longer holds, to the ledger's
// gone list and says so.
func (u *uploader) forget(ctx context.Context, known Upload) error {
	if err := u.ledger.forget(ctx, known); err != nil {
		return err
	}
	if u.gone != nil {
		what := "moved to the file's \"gone\" list"
		if u.again && u.roots[known.CID] {
			what = "uploading again"
		}
		at := "at an unknown time"
		if !known.At.IsZero() {
			at = known.At.UTC().Format(time.RFC3339)
		}
		u.gone(known, fmt.Sprintf("%s records %s at %s, uploaded %s, but %s no longer has it: %s",
			filepath.ToSlash(filepath.Join(UploadsDir, known.Service+".json")), known.Root, known.Key, at, u.svc.Destination(), what))
	}
	return nil
}

var _ Pinner = (*uploader)(nil)

func (u *uploader) Destination() string { return u.svc.Destination() }

// Pinned implements Pinner: the service holds c (asked every time; the
// ledger only tells it where to look). A service holding it under another
// CID is an error naming both.
func (u *uploader) Pinned(ctx context.Context, c cid.Cid) (bool, error) {
	known, err := u.ledger.find(u.svc.Service(), u.svc.Destination(), c)
	if err != nil {
		return false, err
	}
	got, err := u.svc.Find(ctx, c, known)
	if err != nil {
		return false, err
	}
	if got == nil {
		if known != nil {
			// Asked where the file says, and by CID: not there (a failed
			// request is an error above, never "gone").
			return false, u.forget(ctx, *known)
		}
		return false, nil
	}
	if got.CID != c.String() {
		return false, fmt.Errorf("%w: %s holds %s as %s, genmint computed %s: nothing was marked published; delete %s there (it is not this root's content) and run pin again",
			ErrCIDMismatch, u.svc.Destination(), got.Key, got.CID, c, got.Key)
	}
	if known != nil && known.Key == got.Key {
		// The file already says so; the database may not (it was lost):
		// the service has just confirmed it, so the row goes back.
		has, err := u.ledger.hasRow(ctx, known.Destination, known.CID)
		if err != nil {
			return false, err
		}
		if !has {
			if err := u.ledger.putRow(ctx, *known); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	if got.At.IsZero() {
		got.At = u.ledger.db.Now()
	}
	if got.Root == "" && known != nil {
		got.Root = known.Root
	}
	if err := u.ledger.record(ctx, *got); err != nil {
		return false, err
	}
	return true, nil
}

// restore puts back in the state database (pin_uploads) the uploads that
// uploads/<service>.json lists for this destination and the database lacks
// — it was lost, or rebuilt by genmint repair — each only once the service,
// asked where the file says the upload is (the object key, the file id),
// confirms it holds that very CID there. The file alone is never trusted.
// An upload the service no longer holds is moved to the file's gone list
// (and, when it is one of the run's roots, uploaded again by Pin), so it
// is not asked about again. One the service reports under another CID is an
// error naming both: the file was edited, or the object replaced. It
// returns the rows put back.
func (u *uploader) restore(ctx context.Context) ([]Upload, error) {
	ups, err := ReadUploads(u.ledger.dir, u.svc.Service())
	if err != nil {
		return nil, err
	}
	var back []Upload
	for _, e := range ups {
		if e.Destination != u.svc.Destination() {
			continue
		}
		has, err := u.ledger.hasRow(ctx, e.Destination, e.CID)
		if err != nil {
			return back, err
		}
		if has {
			continue
		}
		file := UploadsFile(u.ledger.dir, e.Service)
		c, err := cid.Decode(e.CID)
		if err != nil {
			return back, fmt.Errorf("%s: the upload of %s records %q, not a CID: fix the entry or remove it (the service is asked again either way)", file, e.Key, e.CID)
		}
		got, err := u.svc.Find(ctx, c, &e)
		if err != nil {
			return back, fmt.Errorf("check the upload of %s that %s records: %w", e.CID, file, err)
		}
		if got == nil {
			if err := u.forget(ctx, e); err != nil {
				return back, err
			}
			continue
		}
		if got.CID != e.CID {
			return back, fmt.Errorf("%w: %s records %s as %s, but %s holds %s there: the file was edited or the object replaced; fix or remove the entry (nothing was marked published)",
				ErrCIDMismatch, file, e.Key, e.CID, u.svc.Destination(), got.CID)
		}
		if got.Key != e.Key { // the service holds it under another id now
			got.Root = e.Root
			if got.At.IsZero() {
				got.At = e.At
			}
			e = *got
			err = u.ledger.record(ctx, e)
		} else {
			err = u.ledger.putRow(ctx, e)
		}
		if err != nil {
			return back, err
		}
		back = append(back, e)
	}
	return back, nil
}

// Pin implements Pinner: write the root's CAR (deterministic, so a file
// left by a killed run is reused), upload it, check the CID, record it.
func (u *uploader) Pin(ctx context.Context, r Root) (cid.Cid, error) {
	car, err := u.writeCAR(ctx, r)
	if err != nil {
		return cid.Undef, err
	}
	if u.begin != nil {
		u.begin(r.Name, car.Size)
	}
	got, err := u.svc.Upload(ctx, r.CID, r.Name, car)
	if err != nil {
		return cid.Undef, err
	}
	gc, err := cid.Decode(got.CID)
	if err != nil {
		return cid.Undef, fmt.Errorf("%s reported %q for %s: not a CID", u.svc.Destination(), got.CID, r.Name)
	}
	if !gc.Equals(r.CID) {
		return gc, fmt.Errorf("%w: %s reports %s for %s, genmint computed %s: nothing was marked published; the service imported the CAR otherwise: delete %s there, run pin again, and report it to the service if it repeats",
			ErrCIDMismatch, u.svc.Destination(), gc, r.Name, r.CID, orKey(got.Key, carName(r.CID)))
	}
	got.Root = r.Name
	if got.At.IsZero() {
		got.At = u.ledger.db.Now()
	}
	if err := u.ledger.record(ctx, *got); err != nil {
		return cid.Undef, err
	}
	_ = os.Remove(car.Path)
	return gc, nil
}

// writeCAR writes r's single-root CAR to <dir>/<cid>.car unless a complete
// one is there (it is renamed into place only once complete).
func (u *uploader) writeCAR(ctx context.Context, r Root) (CAROnDisk, error) {
	if err := os.MkdirAll(u.dir, 0o755); err != nil {
		return CAROnDisk{}, err
	}
	path := filepath.Join(u.dir, r.CID.String()+".car")
	if fi, err := os.Stat(path); err == nil {
		return CAROnDisk{Path: path, Size: fi.Size()}, nil
	}
	tmp, err := os.CreateTemp(u.dir, "."+r.CID.String()+".car.tmp-*")
	if err != nil {
		return CAROnDisk{}, err
	}
	defer os.Remove(tmp.Name())
	cw := &countingWriter{w: tmp}
	bw := bufio.NewWriterSize(cw, 1<<20)
	if err := WriteCAR(ctx, bw, []Root{r}); err != nil {
		tmp.Close()
		return CAROnDisk{}, err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return CAROnDisk{}, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return CAROnDisk{}, err
	}
	if err := tmp.Close(); err != nil {
		return CAROnDisk{}, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return CAROnDisk{}, err
	}
	return CAROnDisk{Path: path, Size: cw.n}, nil
}

// RecordedServices opens, for genmint repair, the upload services the
// collection's uploads ledger names (uploads/s3.json, uploads/pinata.json),
// with the credentials the environment holds (S3: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; Pinata: PINATA_JWT), so that the
// uploads they confirm are recorded again. A service whose credentials are
// not set is left out and named in missing, with what to set.
func RecordedServices(dir string, getenv func(string) string) (svcs []CARService, missing []string, err error) {
	for _, service := range []string{"s3", "pinata"} {
		ups, err := ReadUploads(dir, service)
		if err != nil {
			return nil, nil, err
		}
		seen := map[string]bool{}
		for _, u := range ups {
			if seen[u.Destination] {
				continue
			}
			seen[u.Destination] = true
			kind, base, _ := strings.Cut(u.Destination, " ")
			var svc CARService
			var oerr error
			switch {
			case kind == "s3" && service == "s3":
				svc, oerr = recordedS3(base, getenv)
			case kind == "pinata" && service == "pinata" && strings.HasSuffix(base, "/…"):
				oerr = errors.New("its API's path is not recorded: run 'genmint pin --upload pinata --pinata-api URL' again")
			case kind == "pinata" && service == "pinata":
				svc, oerr = NewPinata(PinataOptions{JWT: strings.TrimSpace(getenv("PINATA_JWT")), API: base, Uploads: DefaultPinataUploads})
			default:
				return nil, nil, fmt.Errorf("%s: destination %q is not a %s destination: fix the entry", UploadsFile(dir, service), u.Destination, service)
			}
			if oerr != nil {
				missing = append(missing, fmt.Sprintf("%s (%v)", u.Destination, oerr))
				continue
			}
			svcs = append(svcs, svc)
		}
	}
	return svcs, missing, nil
}

// recordedS3 opens the S3 destination "https://host/bucket[/prefix]" as
// recorded by S3.Destination.
func recordedS3(base string, getenv func(string) string) (*S3, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("not an S3 destination: %q", base)
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	o := S3Options{Endpoint: u.Scheme + "://" + u.Host, Bucket: bucket, Prefix: prefix}
	o.CredentialsFromEnv(getenv)
	return NewS3(o)
}

// orKey is the service's name for an upload, or the CAR's when it gave none.
func orKey(key, car string) string {
	if key != "" {
		return key
	}
	return car
}

// runUploader is the uploader a run uses for svc: CARs written to carDir,
// uploads the service no longer holds sent again when they are one of
// roots (the run's).
func runUploader(svc CARService, led *ledger, carDir string, roots []cid.Cid) *uploader {
	up := &uploader{svc: svc, ledger: led, dir: carDir, again: true, roots: map[string]bool{}}
	for _, c := range roots {
		up.roots[c.String()] = true
	}
	return up
}
