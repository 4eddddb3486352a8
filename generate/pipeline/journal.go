package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/state"
)

// ErrSpendCap is returned by the journal when sending one more request would
// take the estimated spend past --max-spend. The item stays pending.
var ErrSpendCap = errors.New("the spend cap would be exceeded")

// journal records every attempt in the state's request journal before it is
// sent, and holds attempts to the spend cap. It is the run's generate.Observer.
type journal struct {
	r *runner
}

var _ generate.Observer = journal{}

func (j journal) Begin(ctx context.Context, req generate.Request, attempt int) (func(*generate.Result, error), error) {
	r := j.r
	if !r.reserve() {
		return nil, ErrSpendCap
	}
	id, err := r.o.DB.StartRequest(ctx, req.Item, r.o.Info.Name, r.o.Spec.Provider.Model, r.o.Info.Paid, r.price)
	if err != nil {
		r.settle(0)
		return nil, err
	}
	r.mu.Lock()
	r.sum.Requests++
	if r.inflight == nil {
		r.inflight = map[int]int64{}
	}
	r.inflight[req.Item] = id
	r.mu.Unlock()
	return func(res *generate.Result, err error) {
		r.mu.Lock()
		delete(r.inflight, req.Item)
		r.mu.Unlock()
		cost := r.costOf(res, err)
		r.settle(cost)
		if err == nil {
			// The row is marked succeeded together with the stored original
			// (state.SaveOriginal), never before the image is durable.
			a := &state.Answer{Request: id, ServiceID: res.RequestID, CostUSD: cost}
			if res.Resumed {
				a.Resumed = req.Resume
			}
			r.answered(req.Item, a)
			return
		}
		outcome, msg := state.RequestFailed, termtext.Collapse(err.Error(), 0)
		switch {
		case ctx.Err() != nil:
			outcome = state.RequestCancelled
		case errors.Is(err, generate.ErrRefused):
			outcome = state.RequestRefused
		}
		// The outcome is recorded even when the run is being cancelled.
		if ferr := r.o.DB.FinishRequest(context.WithoutCancel(ctx), id, outcome, "", msg, cost); ferr != nil {
			r.journalFailed(fmt.Errorf("journal request for item %d: %w", req.Item, ferr))
		}
	}, nil
}

// accepted records the service's id for an item's attempt in flight as soon
// as the service has taken the job (generate.Accepted), so that a run killed
// while it runs resumes it instead of paying again.
func (r *runner) accepted(ctx context.Context, item int, serviceID string) {
	r.mu.Lock()
	id, ok := r.inflight[item]
	r.mu.Unlock()
	if !ok {
		return
	}
	if err := r.o.DB.SetServiceID(context.WithoutCancel(ctx), id, serviceID); err != nil {
		r.journalFailed(fmt.Errorf("journal request for item %d: %w", item, err))
	}
}

// answered keeps a successful attempt's journal entry until its original is
// stored.
func (r *runner) answered(item int, a *state.Answer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answers == nil {
		r.answers = map[int]*state.Answer{}
	}
	r.answers[item] = a
}

// takeAnswer returns (and forgets) an item's successful attempt.
func (r *runner) takeAnswer(item int) *state.Answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.answers[item]
	delete(r.answers, item)
	return a
}

// costOf is what an attempt is accounted at once it ended: the provider
// stack's settlement when given, else the generate.Result's own cost, nothing for a
// refusal, and the estimate otherwise (the service may have billed it).
func (r *runner) costOf(res *generate.Result, err error) float64 {
	if !r.o.Info.Paid {
		return 0
	}
	if r.o.Settle != nil {
		return r.o.Settle(res, err, r.price)
	}
	switch {
	case err == nil && res != nil && res.Resumed:
		return 0 // the attempt that started the job carries its cost
	case err == nil && res != nil && res.CostUSD > 0:
		return res.CostUSD
	case errors.Is(err, generate.ErrRefused):
		return 0
	}
	return r.price
}

// reserve holds one attempt's estimated cost against the spend cap.
func (r *runner) reserve() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.o.MaxSpendUSD > 0 && r.o.Info.Paid && r.sum.SpentUSD+r.reserved+r.price > r.o.MaxSpendUSD+1e-9 {
		r.sum.SpendCapHit = true
		return false
	}
	r.reserved += r.price
	return true
}

// settle replaces an attempt's reservation with what it cost.
func (r *runner) settle(cost float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reserved -= r.price
	r.sum.SpentUSD += cost
	r.sum.CostUSD += cost
}

// canAfford reports whether one more attempt fits under the spend cap,
// without reserving it.
func (r *runner) canAfford() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.o.MaxSpendUSD > 0 && r.o.Info.Paid && r.sum.SpentUSD+r.reserved+r.price > r.o.MaxSpendUSD+1e-9 {
		r.sum.SpendCapHit = true
		return false
	}
	return true
}

func (r *runner) journalFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.journalErr == nil {
		r.journalErr = err
	}
}
