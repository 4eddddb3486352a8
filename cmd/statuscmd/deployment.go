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
