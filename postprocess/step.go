// Package postprocess turns a provider's original image into the final one:
// an ordered list of steps (resize, fill, crop, sharpen, …) applied with
// github.com/disintegration/imaging, then an output encoding.
//
// Steps are pure and deterministic: the same input image and parameters give
// the same pixels on every run. They hold no per-call state, so one parsed
// step list is shared by all workers at once.
package postprocess

import "image"

// Step is one post-process operation.
type Step interface {
	// Op is the step's name in genmint.yaml, e.g. "resize".
	Op() string
	// Params are the step's canonical parameters, with defaults filled in,
	// as recorded in provenance. Values are string, int, float64 or bool.
	Params() map[string]any
	// Apply returns the processed image. It never modifies img.
	Apply(img image.Image) (image.Image, error)
}

// Output is the final image's encoding: the `format` entry of the spec's
// postprocess list (png unless given).
type Output struct {
	Format  string // "png" or "jpeg"
	Quality int    // JPEG quality 1–100 (default 92); ignored for PNG
}

// MediaType returns the output's media type.
func (o Output) MediaType() string {
	if o.Format == "jpeg" {
		return "image/jpeg"
	}
	return "image/png"
}

// Ext returns the output's file extension, with the dot.
func (o Output) Ext() string {
	if o.Format == "jpeg" {
		return ".jpg"
	}
	return ".png"
}
