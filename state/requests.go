package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Request outcomes in the journal.
const (
	RequestStarted   = "started"   // sent (or about to be); no answer recorded — a crash leaves it here
	RequestSucceeded = "succeeded" // an image came back and is stored
	RequestRefused   = "refused"
	RequestFailed    = "failed"
	RequestCancelled = "cancelled"
	// RequestResumed: the request was "started" when its run died, and a
	// later attempt (generate.Request.Resume) took its service job up and
	// stored the image. It keeps its cost: it was the paid request.
	RequestResumed = "resumed"
)

// Request is one provider call in the journal. Every call is recorded before
// it is sent, so paid work is always accounted for, even across crashes.
type Request struct {
	ID         int64     `json:"id"`
	ItemID     int       `json:"item_id"`
	Provider   string    `json:"provider"`
	Model      string    `json:"model,omitempty"`
	Paid       bool      `json:"paid"`
	CostUSD    float64   `json:"cost_usd"`
	Outcome    string    `json:"outcome"`
	ServiceID  string    `json:"service_id,omitempty"` // the service's request id
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// StartRequest journals a provider call before it is sent.
func (d *DB) StartRequest(ctx context.Context, itemID int, provider, model string, paid bool, costUSD float64) (int64, error) {
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO requests(item_id, provider, model, paid, cost_usd, started_at)
			VALUES(?, ?, ?, ?, ?, ?)`, itemID, provider, model, paid, costUSD, FormatTime(d.Now()))
		if err != nil {
			return fmt.Errorf("journal request for item %d: %w", itemID, err)
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

// SetServiceID records the service's id for a journalled call as soon as the
// service has accepted the job (generate.Accepted), so a run killed while
// the job runs can find it again (InDoubtJob).
func (d *DB) SetServiceID(ctx context.Context, id int64, serviceID string) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE requests SET service_id = ? WHERE id = ?`, serviceID, id)
		if err != nil {
			return fmt.Errorf("journal request %d: %w", id, err)
		}
		return nil
	})
}

// InDoubtJob is the service's id for the job of an item's last request to
// provider when that request is still "started" (its run died while the
// service worked on it), else "".
func (d *DB) InDoubtJob(ctx context.Context, itemID int, provider string) (string, error) {
	var outcome, prov, serviceID string
	err := d.db.QueryRowContext(ctx, `SELECT outcome, provider, service_id FROM requests WHERE item_id = ? ORDER BY id DESC LIMIT 1`,
		itemID).Scan(&outcome, &prov, &serviceID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read request journal of item %d: %w", itemID, err)
	case outcome != RequestStarted || prov != provider:
		return "", nil
	}
	return serviceID, nil
}

// FinishRequest records a journalled call's outcome. An empty serviceID
// keeps the one SetServiceID recorded.
func (d *DB) FinishRequest(ctx context.Context, id int64, outcome, serviceID, errMsg string, costUSD float64) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE requests SET outcome = ?, service_id = coalesce(nullif(?, ''), service_id),
			error = ?, cost_usd = ?, finished_at = ?
			WHERE id = ?`, outcome, serviceID, errMsg, costUSD, FormatTime(d.Now()), id)
		if err != nil {
			return fmt.Errorf("journal request %d: %w", id, err)
		}
		return nil
	})
}

// Requests lists the journal, for one item or (itemID 0) all items, oldest first.
func (d *DB) Requests(ctx context.Context, itemID int) ([]Request, error) {
	q := `SELECT id, item_id, provider, model, paid, cost_usd, outcome, service_id, error, started_at, finished_at FROM requests`
	var args []any
	if itemID != 0 {
		q += ` WHERE item_id = ?`
		args = append(args, itemID)
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read request journal: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		var r Request
		var started, finished string
		if err := rows.Scan(&r.ID, &r.ItemID, &r.Provider, &r.Model, &r.Paid, &r.CostUSD, &r.Outcome, &r.ServiceID, &r.Error, &started, &finished); err != nil {
			return nil, err
		}
		r.StartedAt = ParseTime(started)
		if finished != "" {
			r.FinishedAt = ParseTime(finished)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Spent sums the estimated cost of every paid request ever journalled,
// including those whose answer was lost in a crash.
func (d *DB) Spent(ctx context.Context) (float64, error) {
	var usd sql.NullFloat64
	err := d.db.QueryRowContext(ctx, `SELECT sum(cost_usd) FROM requests WHERE paid <> 0`).Scan(&usd)
	return usd.Float64, err
}
