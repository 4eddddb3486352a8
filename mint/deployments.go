package mint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/state"
)

// DeploymentsDir is the collection's folder of deployment records, one
// file per network (Foundry's broadcast/, hardhat-deploy's deployments/):
// meant to be committed with genmint.yaml.
const DeploymentsDir = "deployments"

// ErrDeployed: the network already has a deployment record and the state
// database does not know it; a second contract needs --new-deployment.
var ErrDeployed = errors.New("the collection is already deployed on this network")

// DeploymentFile is the path of network's record in the collection dir.
func DeploymentFile(dir, network string) string {
	return filepath.Join(dir, DeploymentsDir, fileName(network)+".json")
}

// fileName keeps a network name to characters safe in a file name.
func fileName(network string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, network)
}

// ReadDeploymentFile reads network's record from the collection dir: nil
// and no error when there is none.
func ReadDeploymentFile(dir, network string) (*DeploymentRecord, error) {
	path := DeploymentFile(dir, network)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel(dir, path), err)
	}
	rec := new(DeploymentRecord)
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, fmt.Errorf("%s is not a deployment record (%v): restore it from version control", rel(dir, path), err)
	}
	if rec.Address == ([20]byte{}) || rec.ChainID == 0 || rec.Block == 0 && rec.BlockHash == ([32]byte{}) {
		return nil, fmt.Errorf("%s lacks the address, chain id or block of the deployment: restore it from version control", rel(dir, path))
	}
	return rec, nil
}

// WriteDeploymentFile writes rec to deployments/<network>.json, crash-safe.
func WriteDeploymentFile(dir string, rec *DeploymentRecord) error {
	path := DeploymentFile(dir, rec.Network)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", DeploymentsDir, err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := fsatomic.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel(dir, path), err)
	}
	return nil
}

// MoveDeploymentFile renames network's record to
// deployments/<network>.<first 12 hex digits of its block hash>.json, so a
// second deployment keeps the first one's record; it returns the new path
// relative to dir.
func MoveDeploymentFile(dir string, old *DeploymentRecord) (string, error) {
	from := DeploymentFile(dir, old.Network)
	to := filepath.Join(dir, DeploymentsDir, fmt.Sprintf("%s.%s.json", fileName(old.Network), old.BlockHash.Hex()[2:14]))
	if err := os.Rename(from, to); err != nil {
		return "", fmt.Errorf("move %s aside: %w", rel(dir, from), err)
	}
	if err := fsatomic.SyncDir(filepath.Dir(to)); err != nil {
		return "", err
	}
	return rel(dir, to), nil
}

func rel(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil {
		return r
	}
	return path
}

// FindDeployment is the collection's deployment record on network: the
// state database's, else deployments/<network>.json in dir (the state may
// be lost; the file outlives it). nil when neither has one.
func FindDeployment(ctx context.Context, db *state.DB, dir, network string) (*DeploymentRecord, error) {
	if db != nil {
		st, err := ReadStatus(ctx, db)
		if err != nil {
			return nil, err
		}
		if st.Record != nil {
			return st.Record, nil
		}
	}
	if dir == "" {
		return nil, nil
	}
	return ReadDeploymentFile(dir, network)
}

// CheckDeploymentAt dials the node at rawURL (shown: the URL as messages
// show it, any key redacted) and runs CheckDeployment.
func CheckDeploymentAt(ctx context.Context, rawURL, shown string, rec *DeploymentRecord) error {
	cl, err := ethclient.DialContext(ctx, rawURL)
	if err != nil {
		return fmt.Errorf("--rpc %s: %w", shown, err)
	}
	defer cl.Close()
	id, err := cl.ChainID(ctx)
	if err != nil {
		if ce, ok := neterr.CertURL(neterr.RPCNode, rawURL, err); ok {
			return ce
		}
		return fmt.Errorf("cannot reach the node at %s: check --rpc and that the node is running", shown)
	}
	if id.Uint64() != rec.ChainID {
		return &ChainResetError{Node: shown, Detail: fmt.Sprintf("it is chain %d, recorded %d", id, rec.ChainID)}
	}
	return CheckDeployment(ctx, cl, rec, shown)
}
