package verifycmd

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// deploymentMissing is the report of a collection whose recorded
// deployment --rpc's chain does not hold (nil when it does).
func (o *VerifyOptions) deploymentMissing(ctx context.Context, db *state.DB) (*verify.Report, error) {
	missing, err := o.CheckDeployment(ctx, db)
	if err != nil || missing == "" {
		return nil, err
	}
	return &verify.Report{Mode: verify.ModeChain, Links: []verify.Link{verify.LinkChain}, Contract: o.Contract,
		Chain: redact.URL(o.RPC), Collection: []verify.Failure{{Link: verify.LinkChain, Check: "deployment",
			Message: "deployment missing: " + missing,
			Fix:     "point --rpc at the chain the collection was deployed on (deployments/<network>.json records it); no transaction can repair another chain's contract"}},
		Results: []verify.TokenResult{}}, nil
}

// checkDeployment checks the collection's recorded deployment, when
// --contract is it, against --rpc's chain.
func checkDeployment(ctx context.Context, o *VerifyOptions, db *state.DB) (string, error) {
	s, err := o.Spec()
	if err != nil {
		return "", nil // no spec: a folder with a state but no genmint.yaml; nothing recorded to compare
	}
	rec, err := mint.FindDeployment(ctx, db, o.Dir, s.Network.Name)
	if err != nil || rec == nil || !strings.EqualFold(rec.Address.Hex(), o.Contract) {
		return "", err
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = mint.CheckDeploymentAt(cctx, o.RPC, redact.URL(o.RPC), rec)
	if errors.Is(err, mint.ErrChainReset) {
		return strings.TrimSuffix(err.Error(), "; nothing was sent"), nil
	}
	return "", err
}
