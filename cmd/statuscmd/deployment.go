package statuscmd

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/state"
)

// DeploymentMissing is the status shown instead of "minted" when --rpc's
// chain does not hold the collection's recorded deployment.
const DeploymentMissing state.Status = "deployment missing"

// reveal fills the document's revealed state: from the deployment record
// (the state's, else deployments/<network>.json), and with --rpc from the
// contract's baseURI.
func (o *StatusOptions) reveal(ctx context.Context, db *state.DB, doc *Document, ms *mint.Status) error {
	if ms.Deployment == nil && doc.Record == nil {
		return nil
	}
	rec := doc.Record
	if rec == nil {
		rec = ms.Record
	}
	if rec == nil && o.Dir != "" {
		s, err := o.Spec()
		if err != nil {
			return nil // the revealed state is extra: a broken spec does not hide the items' status
		}
		if rec, err = mint.FindDeployment(ctx, db, o.Dir, s.Network.Name); err != nil || rec == nil {
			return err
		}
	}
	if rec == nil {
		return nil
	}
	revealed := rec.IsRevealed("")
	if o.RPC != "" && doc.DeploymentMissing == "" {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var err error
		if revealed, err = mint.RevealedAt(cctx, o.RPC, redact.URL(o.RPC), rec); err != nil {
			return err
		}
	}
	doc.Revealed, doc.PlaceholderURI = &revealed, rec.PlaceholderURI
	return nil
}

// checkDeployment checks the recorded deployment against --rpc's node: the
// record, and why the chain does not hold it ("" when it does).
func (o *StatusOptions) checkDeployment(ctx context.Context, db *state.DB) (*mint.DeploymentRecord, string, error) {
	s, err := o.Spec()
	if err != nil {
		return nil, "", err
	}
	rec, err := mint.FindDeployment(ctx, db, o.Dir, s.Network.Name)
	if err != nil || rec == nil {
		if err == nil {
			err = cmdutil.UsageError("--rpc: the collection has no recorded deployment on %s to check", s.Network.Name)
		}
		return nil, "", err
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = mint.CheckDeploymentAt(cctx, o.RPC, redact.URL(o.RPC), rec)
	if errors.Is(err, mint.ErrChainReset) {
		return rec, strings.TrimSuffix(err.Error(), "; nothing was sent"), nil
	}
	return rec, "", err
}
