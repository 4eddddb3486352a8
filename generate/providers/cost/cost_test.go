package cost

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
)

func TestSettle(t *testing.T) {
	refused := &generate.RefusedError{Provider: "stability", Code: "CONTENT_FILTERED"}
	for name, tc := range map[string]struct {
		res  *generate.Result
		err  error
		want float64
	}{
		"success at its own cost":     {&generate.Result{Paid: true, CostUSD: 0.04}, nil, 0.04},
		"success without a cost":      {&generate.Result{Paid: true}, nil, 0.08},
		"free success":                {&generate.Result{Paid: false}, nil, 0},
		"charged refusal":             {nil, fmt.Errorf("item 3: %w", Charge(refused, 0.08)), 0.08},
		"uncharged refusal":           {nil, refused, 0},
		"final status":                {nil, &httpsafe.StatusError{Provider: "openai", Code: 400}, 0},
		"429":                         {nil, &generate.TemporaryError{Err: errors.New("slow down"), StatusCode: 429}, 0},
		"timeout after sending":       {nil, fmt.Errorf("no answer: %w", context.DeadlineExceeded), 0.08},
		"connection lost":             {nil, &generate.TemporaryError{Err: errors.New("reset")}, 0.08},
		"cancelled while in progress": {nil, context.Canceled, 0.08},
		"never reached the service":   {nil, fmt.Errorf("item 1: %w", &generate.NotSentError{Err: &generate.TemporaryError{Err: errors.New("dial tcp 127.0.0.1:9: connection refused")}}), 0},
	} {
		if got := Settle(tc.res, tc.err, 0.08); got != tc.want {
			t.Errorf("%s: Settle = %v, want %v", name, got, tc.want)
		}
	}
}

func TestChargedSeesThrough(t *testing.T) {
	err := fmt.Errorf("item 1: %w", Charge(&generate.RefusedError{Provider: "x"}, 1))
	if !errors.Is(err, generate.ErrRefused) {
		t.Fatal("a charged refusal is still a refusal")
	}
	temp := fmt.Errorf("item 2: %w", Charge(fmt.Errorf("download: %w", &generate.TemporaryError{Err: errors.New("reset")}), 0.5))
	if generate.IsTemporary(temp) {
		t.Fatal("a charged error must never be retried")
	}
	if usd, ok := Charged(temp); !ok || usd != 0.5 {
		t.Fatal("Charged must find the amount")
	}
	if Charge(nil, 1) != nil {
		t.Fatal("Charge(nil) must be nil")
	}
}
