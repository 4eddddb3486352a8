package retry

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Bounds past which an answer is taken as garbage rather than a wait: about
// 115 days in delay-seconds, about 11 days in retry-after-ms.
const (
	maxAfterSeconds = 1e7
	maxAfterMillis  = 1e9
)

// After is how long an HTTP answer asks the client to wait before trying
// again: the non-standard retry-after-ms header (milliseconds, sent by
// OpenAI), then Retry-After as delay-seconds (a fraction allowed) or an
// HTTP-date (RFC 9110 §10.2.3) measured from now. It is zero when the
// headers are absent, unparsable, not positive, absurdly large, or a date
// not after now.
func After(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < maxAfterMillis {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if !(s > 0 && s <= maxAfterSeconds) { // also NaN
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
