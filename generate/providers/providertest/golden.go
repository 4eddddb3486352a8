package providertest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/internal/golden"
)

// Provenance is the part of a Result that goes into the provenance record.
type Provenance struct {
	Seed          *uint64         `json:"seed"`
	Reproducible  bool            `json:"reproducible"`
	Model         string          `json:"model"`
	ModelVersion  string          `json:"model_version"`
	ModelHash     string          `json:"model_hash"`
	RequestID     string          `json:"request_id"`
	RevisedPrompt string          `json:"revised_prompt"`
	Infotext      string          `json:"infotext"`
	Params        generate.Params `json:"params"`
	Facts         map[string]any  `json:"facts"`
	MediaType     string          `json:"media_type"`
	ImageSHA256   string          `json:"image_sha256"`
	Paid          bool            `json:"paid"`
	CostUSD       float64         `json:"cost_usd"`
}

// ProvenanceOf extracts the provenance fields of res.
func ProvenanceOf(res *generate.Result) Provenance {
	sum := sha256.Sum256(res.Image)
	return Provenance{
		Seed: res.Seed, Reproducible: res.Reproducible, Model: res.Model, ModelVersion: res.ModelVersion,
		ModelHash: res.ModelHash, RequestID: res.RequestID, RevisedPrompt: res.RevisedPrompt, Infotext: res.Infotext,
		Params: res.Params, Facts: res.Facts, MediaType: res.MediaType, ImageSHA256: hex.EncodeToString(sum[:]),
		Paid: res.Paid, CostUSD: res.CostUSD,
	}
}

// Golden compares the provenance fields of res with the golden file at path
// (rewritten with -update).
func Golden(t *testing.T, path string, res *generate.Result) {
	t.Helper()
	got, err := json.MarshalIndent(ProvenanceOf(res), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, path, got)
}
