// Package cost holds what genmint knows about the price of provider
// requests: dated per-model price tables, and how to settle the cost of an
// attempt that failed.
//
// Spend accounting (the pipeline's job) journals every attempt before it is
// sent at its estimate (ProviderInfo.EstimateUSD, or the spec's
// provider.price_usd), then settles it with Settle once the attempt ends.
package cost

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/httpsafe"
)

// ChargedError marks an error from a request the service billed anyway: an
// image that came back blurred by a content filter (Stability's
// CONTENT_FILTERED), an output that expired or could not be downloaded after
// the prediction succeeded, an image that failed genmint's checks.
// errors.Is and errors.As see through it to the underlying error, except
// that errors.As never finds a *generate.TemporaryError in it.
type ChargedError struct {
	Err error
	USD float64 // the estimate of what was billed
}

func (e *ChargedError) Error() string { return e.Err.Error() }

// Is reports whether the underlying error matches target.
func (e *ChargedError) Is(target error) bool { return errors.Is(e.Err, target) }

// As finds target in the underlying error, except a *generate.TemporaryError:
// a billed request is never retried, or it would be paid for twice.
func (e *ChargedError) As(target any) bool {
	if _, ok := target.(**generate.TemporaryError); ok {
		return false
	}
	return errors.As(e.Err, target)
}

// Charge wraps err as billed at usd, unless err is nil.
func Charge(err error, usd float64) error {
	if err == nil {
		return nil
	}
	return &ChargedError{Err: err, USD: usd}
}

// Charged reports whether err says the failed request was billed, and how
// much.
func Charged(err error) (float64, bool) {
	var c *ChargedError
	if errors.As(err, &c) {
		return c.USD, true
	}
	return 0, false
}

// Settle is what one attempt should be accounted at once it has ended,
// given the estimate it was journalled at:
//   - success: the Result's CostUSD (the estimate when the Result has none);
//   - a *ChargedError anywhere in the chain: its amount;
//   - a *generate.NotSentError (no request of the attempt was written: a
//     refused connection, an unknown host, a failed TLS handshake): 0;
//   - the service answered with an error status or refused the prompt (a
//     *httpsafe.StatusError, a *generate.TemporaryError with a status code, a
//     *generate.RefusedError): 0 — the services genmint speaks to do not
//     bill failed or refused requests unless they say so, which providers
//     report with a *ChargedError;
//   - anything else (a timeout, a cancellation, a connection lost after the
//     request was sent): the estimate, because the service may have done
//     and billed the work.
func Settle(res *generate.Result, err error, estimate float64) float64 {
	if err == nil {
		if res != nil && res.CostUSD > 0 {
			return res.CostUSD
		}
		if res != nil && !res.Paid {
			return 0
		}
		return estimate
	}
	if usd, ok := Charged(err); ok {
		return usd
	}
	if generate.NotSent(err) {
		return 0
	}
	var se *httpsafe.StatusError
	var te *generate.TemporaryError
	var re *generate.RefusedError
	switch {
	case errors.As(err, &re), errors.As(err, &se):
		return 0
	case errors.As(err, &te) && te.StatusCode != 0:
		return 0
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return estimate
	}
	return estimate
}

// Table is a per-model list price, as published by a provider on a date.
// Prices are in US dollars for one image.
type Table struct {
	Provider string
	Source   string // where the prices were read
	Date     string // when (YYYY-MM-DD); prices change, check before large runs
	Prices   map[string]float64
}

// Lookup returns the price of key (a model, or a model with its
// variant, as the provider composes it).
func (t Table) Lookup(key string) (float64, bool) {
	p, ok := t.Prices[strings.ToLower(key)]
	return p, ok
}

// String renders the table for documentation and `genmint providers`.
func (t Table) String() string {
	keys := make([]string, 0, len(t.Prices))
	for k := range t.Prices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s prices (USD per image) from %s, taken %s:\n", t.Provider, t.Source, t.Date)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-40s %.4f\n", k, t.Prices[k])
	}
	return b.String()
}
