package retry

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestAfter covers what the three parsers it replaced accepted (pinning
// service, gateway, image providers) and what none of them should.
func TestAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ra := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"seconds", ra("7"), 7 * time.Second},
		{"seconds with spaces", ra(" 7 "), 7 * time.Second},
		{"fraction", ra("1.5"), 1500 * time.Millisecond},
		{"zero", ra("0"), 0},
		{"negative", ra("-3"), 0},
		{"too large", ra("10000001"), 0},
		{"overflows int64 nanoseconds", ra(strconv.FormatUint(math.MaxUint64, 10)), 0},
		{"largest accepted", ra("10000000"), 1e7 * time.Second},
		{"NaN", ra("NaN"), 0},
		{"Inf", ra("Inf"), 0},
		{"garbage", ra("soon"), 0},
		{"empty", ra(""), 0},
		{"absent", http.Header{}, 0},
		{"date in the future", ra(now.Add(30 * time.Second).Format(http.TimeFormat)), 30 * time.Second},
		{"date in the past", ra(now.Add(-time.Minute).Format(http.TimeFormat)), 0},
		{"date now", ra(now.Format(http.TimeFormat)), 0},
		{"RFC 850 date", ra(now.Add(time.Hour).Format("Monday, 02-Jan-06 15:04:05 GMT")), time.Hour},
		{"ms first", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond},
		{"ms alone", http.Header{"Retry-After-Ms": {"1.5"}}, 1500 * time.Microsecond},
		{"ms garbage falls back", http.Header{"Retry-After-Ms": {"x"}, "Retry-After": {"9"}}, 9 * time.Second},
		{"ms zero falls back", http.Header{"Retry-After-Ms": {"0"}, "Retry-After": {"9"}}, 9 * time.Second},
		{"ms negative falls back", http.Header{"Retry-After-Ms": {"-5"}, "Retry-After": {"9"}}, 9 * time.Second},
		{"ms too large falls back", http.Header{"Retry-After-Ms": {"1e9"}, "Retry-After": {"9"}}, 9 * time.Second},
	} {
		if got := After(tc.h, now); got != tc.want {
			t.Errorf("%s: After(%v) = %v, want %v", tc.name, tc.h, got, tc.want)
		}
	}
}
