package usage

import (
	"errors"
	"testing"
)

func TestErrorf(t *testing.T) {
	err := Errorf("--rpc %s: %v", "http://x", errors.New("refused"))
	if !errors.Is(err, Err) || err.Error() != "usage: --rpc http://x: refused" {
		t.Fatalf("%v", err)
	}
}
