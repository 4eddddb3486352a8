package generate

import (
	"context"
	"errors"
	"fmt"

	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/spec/trait"
)

// Provider turns one Request into one image. It is the seam between genmint's
// pipeline and an image-generation service (or the built-in procedural
// generator).
//
// Contract:
//   - Generate is called from several goroutines at once and must be safe for that.
//   - One call makes at most one billable request to the service. Retries, rate
//     limits, concurrency limits and per-request timeouts are wrappers around a
//     Provider (see generate/providers), never code inside one.
//   - Generate never writes files: it returns the service's output bytes exactly
//     as received, and the pipeline stores them durably before anything else.
//   - When ctx is cancelled, Generate returns promptly with an error wrapping
//     ctx.Err(), after asking the service to cancel the job where the service
//     supports that.
//   - A refusal by the service's content filter is returned as a *RefusedError;
//     a fault worth retrying (429, 5xx, timeout, connection reset) as a
//     *TemporaryError; any other error is final for this item on this run.
//   - Errors and Results never contain credentials.
type Provider interface {
	Generate(ctx context.Context, req Request) (*Result, error)
}

// Request is everything a provider needs to make one item's image.
type Request struct {
	Item           int     // item id, 1-based; also the token id
	Prompt         string  // rendered from the spec's prompt template
	NegativePrompt string  // may be empty
	Seed           uint32  // requested seed, derived deterministically from the spec's base seed
	Model          string  // free string from the spec; empty means the provider's default
	Width, Height  int     // requested size in pixels from the spec's provider params; 0 means the provider's default
	Params         Params  // the spec's provider parameters, passed through untouched
	Traits         []Trait // the item's traits, in spec order

	// Resume is the service's id for a job an interrupted earlier run
	// started for this item (reported through Accepted). A provider whose
	// service keeps jobs (Replicate) picks that job up, when it is still
	// the same request, instead of paying for a new one, and sets
	// Result.Resumed; others ignore it.
	Resume string
}

// Params are provider parameters from genmint.yaml. Values are what the YAML
// decoder produced: string, int, float64, bool, []any or map[string]any.
type Params map[string]any

// Trait is one ERC-721 attribute of an item.
type Trait = trait.Trait

// Result is what the service returned for one Request, and everything it told
// us about how the image was made.
type Result struct {
	// Image is the output exactly as received (PNG, JPEG or WebP bytes).
	Image []byte
	// MediaType is Image's type: "image/png", "image/jpeg" or "image/webp".
	MediaType string

	// Seed is the seed the service actually used, or nil when the service has
	// no seed (OpenAI) or did not say.
	Seed *uint64
	// Reproducible reports whether sending the same request again yields the
	// same image (true for the procedural generator and seeded diffusion
	// servers, false for OpenAI).
	Reproducible bool

	Model         string // the model the service reports having used; may differ from Request.Model
	ModelVersion  string // a version id (Replicate version, procedural algorithm version)
	ModelHash     string // a weights hash (Automatic1111 sd_model_hash)
	RequestID     string // the service's id for this request (x-request-id, prediction id, prompt id)
	RevisedPrompt string // the prompt as rewritten by the service (OpenAI), if any
	Infotext      string // Automatic1111 infotext as the server returned it, if any

	// Params are the parameters actually sent to or reported by the service
	// (never credentials). They go into the provenance record.
	Params Params
	// Facts holds anything else worth keeping: usage, metrics, finish reasons.
	Facts map[string]any

	// Paid reports whether the request was billable; CostUSD is the
	// estimate from the price table when known, else 0.
	Paid    bool
	CostUSD float64

	// DigitalSourceType, when set, is the IPTC digital source type URI of
	// the image (a composite of drawn layers); empty means the pipeline
	// derives it from ProviderInfo.Algorithmic.
	DigitalSourceType string

	// Resumed reports that the image came from Request.Resume's job, paid
	// for by the attempt that started it, not from a new request.
	Resumed bool
}

// ErrRefused matches every *RefusedError with errors.Is.
var ErrRefused = errors.New("refused by the provider's content filter")

// RefusedError reports that the service declined to make the image (content
// policy, moderation). It is final: retrying the same prompt will not help.
type RefusedError struct {
	Provider string // provider name, e.g. "openai"
	Code     string // the service's code, e.g. "content_policy_violation", "CONTENT_FILTERED"
	Message  string // the service's message, if any
}

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("%s refused the prompt", e.Provider)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// TemporaryError is a fault worth retrying: 429, 5xx, a timeout, a reset
// connection. RetryAfter, when non-zero, is how long the service asked us to
// wait. It is the one retry.TemporaryError that pinning and verification
// return too.
type TemporaryError = retry.TemporaryError

// IsTemporary reports whether err is worth retrying.
func IsTemporary(err error) bool { return retry.IsTemporary(err) }
