package httpsafe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/internal/termtext"
)

// Body size caps. A JSON answer can carry a base64 image (4/3 of its size);
// a 64 MP PNG is rarely above 40 MB.
const (
	MaxJSONBody  = 96 << 20 // answers that may embed base64 images
	MaxImageBody = 64 << 20 // raw image downloads
	MaxSmallBody = 1 << 20  // error bodies, status answers
)

// ErrTooLarge is returned (wrapped) when a body exceeds its cap.
var ErrTooLarge = errors.New("answer too large")

// ErrMalformed is wrapped by errors about answers that cannot be parsed
// (malformed JSON, missing fields).
var ErrMalformed = errors.New("malformed answer")

// ErrContentType is returned (wrapped) when a response has an unexpected
// content type.
var ErrContentType = errors.New("unexpected content type")

// ReadBody reads at most limit bytes of resp.Body and closes it. A longer
// body is an error wrapping ErrTooLarge; a body cut short by the connection
// (io.ErrUnexpectedEOF, a reset) is a *generate.TemporaryError.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: it declares %d bytes, over the %d-byte cap", ErrTooLarge, resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, Transport(fmt.Errorf("read the answer: %w", err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: over the %d-byte cap", ErrTooLarge, limit)
	}
	return b, nil
}

// Discard drains a little of resp.Body (so the connection can be reused) and
// closes it.
func Discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// MediaType is resp's Content-Type without parameters, lower case, and its
// parameters. It is lenient where services are: Stability sends
// "application/json; type=image/png", whose unquoted "/" RFC 2045 forbids.
func MediaType(resp *http.Response) (string, map[string]string) {
	ct := resp.Header.Get("Content-Type")
	if mt, params, err := mime.ParseMediaType(ct); err == nil {
		if !strings.Contains(mt, "/") {
			return "", nil
		}
		return strings.ToLower(mt), params
	}
	parts := strings.Split(ct, ";")
	mt := strings.ToLower(strings.TrimSpace(parts[0]))
	if !strings.Contains(mt, "/") {
		return "", nil
	}
	params := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return mt, params
}

// IsJSON reports whether resp says it carries JSON.
func IsJSON(resp *http.Response) bool {
	mt, _ := MediaType(resp)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// ExpectJSON returns an error wrapping ErrContentType unless resp carries JSON.
func ExpectJSON(resp *http.Response) error {
	if IsJSON(resp) {
		return nil
	}
	return fmt.Errorf("%w: expected JSON, got %q", ErrContentType, resp.Header.Get("Content-Type"))
}

// ExpectImage returns the image media type of resp, or an error wrapping
// ErrContentType unless it is image/png, image/jpeg or image/webp.
func ExpectImage(resp *http.Response) (string, error) {
	mt, _ := MediaType(resp)
	switch mt {
	case "image/png", "image/jpeg", "image/webp":
		return mt, nil
	}
	return "", fmt.Errorf("%w: expected an image (image/png, image/jpeg or image/webp), got %q", ErrContentType, resp.Header.Get("Content-Type"))
}

// StatusError is a final (not retryable) HTTP error answer from a service.
type StatusError struct {
	Provider string
	Code     int
	Message  string // the service's own words, already shortened and redacted
	Hint     string // what the user should do next, if known
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s answered %d %s", e.Provider, e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// Temporary builds the *generate.TemporaryError for a retryable status
// answer (429, 5xx), with the wait the service asked for (retry.After).
func Temporary(provider string, resp *http.Response, message string) error {
	err := fmt.Errorf("%s answered %d %s", provider, resp.StatusCode, http.StatusText(resp.StatusCode))
	if message != "" {
		err = fmt.Errorf("%w: %s", err, message)
	}
	return &generate.TemporaryError{Err: err, StatusCode: resp.StatusCode, RetryAfter: retry.After(resp.Header, time.Now())}
}

// StatusErr turns an error status into the error the retry wrapper acts on:
// a *generate.TemporaryError for statuses worth retrying, else a final
// *StatusError carrying hints[status] as what to do next.
func StatusErr(provider string, resp *http.Response, message string, hints map[int]string) error {
	if Retryable(resp.StatusCode) {
		return Temporary(provider, resp, message)
	}
	return &StatusError{Provider: provider, Code: resp.StatusCode, Message: message, Hint: hints[resp.StatusCode]}
}

// Retryable reports whether an HTTP status is worth retrying: 408, 409
// (OpenAI's SDK retries lock timeouts), 425, 429 and 5xx.
func Retryable(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return code >= 500 && code <= 599
}

// Transport classifies an error from sending a request or reading its body.
// Context cancellation and deadlines pass through unchanged (the caller, or
// the timeout wrapper, decides); refusals by the fetch policy are final;
// connection resets, unexpected EOFs and network timeouts become a
// *generate.TemporaryError.
func Transport(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnsafeURL) {
		return err
	}
	var ne net.Error
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || (errors.As(err, &ne) && ne.Timeout()) {
		return &generate.TemporaryError{Err: err}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return &generate.TemporaryError{Err: err}
	}
	return err
}

// Snippet turns text taken from a response into something safe to put in an
// error message: valid UTF-8, on one line, at most 300 characters, with every
// secret replaced by "[redacted]".
func Snippet(b []byte, secrets ...string) string {
	s := strings.ToValidUTF8(string(b), "�")
	s = redact.Secrets(s, secrets...)
	return termtext.Collapse(s, 300)
}
