package state

import (
	"testing"
	"time"
)

// TestTimeColumns: the one encoding of times in the state database (pin's
// and mint's tables use it too) round-trips to the nanosecond in UTC, and
// reads an unset or unreadable column as the zero time.
func TestTimeColumns(t *testing.T) {
	at := time.Date(2026, 11, 22, 13, 4, 5, 123456789, time.FixedZone("CET", 3600))
	s := FormatTime(at)
	if s != "2026-11-22T12:04:05.123456789Z" {
		t.Fatalf("FormatTime = %q", s)
	}
	if got := ParseTime(s); !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("ParseTime(%q) = %v", s, got)
	}
	for _, bad := range []string{"", "yesterday", "2026-11-22"} {
		if got := ParseTime(bad); !got.IsZero() {
			t.Errorf("ParseTime(%q) = %v, want the zero time", bad, got)
		}
	}
}
