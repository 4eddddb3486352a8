package postprocess

import (
	"fmt"
	"image"

	"github.com/disintegration/imaging"
)

// Tone and detail steps: sharpen, blur, contrast, saturation, brightness,
// gamma. Each keeps the image's size and takes one number.

// MaxSigma is the largest sharpen/blur sigma accepted. imaging's kernel
// spans 3σ each side, so larger values are slow and visually pointless.
const MaxSigma = 50.0

// adjustStep is one single-number adjustment.
type adjustStep struct {
	op  string
	key string // the parameter's name: sigma, percent or gamma
	v   float64
	fn  func(image.Image, float64) *image.NRGBA
}

func (s *adjustStep) Op() string             { return s.op }
func (s *adjustStep) Params() map[string]any { return map[string]any{s.key: s.v} }
func (s *adjustStep) Apply(img image.Image) (image.Image, error) {
	return s.fn(img, s.v), nil
}

// number reads the op's one required number.
func (a *args) number(key string) (float64, error) {
	v, ok, err := a.num(key)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, a.missing(key, "write e.g. "+a.example)
	}
	return v, nil
}

// parseSigma reads sharpen and blur: sigma in (0, MaxSigma].
func parseSigma(op string) func(*args, string) (Step, error) {
	fn := imaging.Sharpen
	if op == "blur" {
		fn = imaging.Blur
	}
	return func(a *args, _ string) (Step, error) {
		v, err := a.number("sigma")
		if err != nil {
			return nil, err
		}
		if v <= 0 || v > MaxSigma {
			return nil, a.fail("sigma", fmt.Sprintf("%s is out of range", fmtNum(v)),
				fmt.Sprintf("use a value above 0 and at most %s (0.5–2 is typical)", fmtNum(MaxSigma)))
		}
		return &adjustStep{op: op, key: "sigma", v: v, fn: fn}, nil
	}
}

// parsePercent reads contrast, saturation and brightness: a percentage
// change in [-100, 100] (0 leaves the image as it is).
func parsePercent(op string) func(*args, string) (Step, error) {
	var fn func(image.Image, float64) *image.NRGBA
	var what string
	switch op {
	case "contrast":
		fn, what = imaging.AdjustContrast, "-100 is flat grey"
	case "saturation":
		fn, what = imaging.AdjustSaturation, "-100 is greyscale"
	default:
		fn, what = imaging.AdjustBrightness, "-100 is black, 100 white"
	}
	return func(a *args, _ string) (Step, error) {
		v, err := a.number("percent")
		if err != nil {
			return nil, err
		}
		if v < -100 || v > 100 {
			return nil, a.fail("percent", fmt.Sprintf("%s is out of range", fmtNum(v)),
				"use a percentage change from -100 to 100 ("+what+")")
		}
		return &adjustStep{op: op, key: "percent", v: v, fn: fn}, nil
	}
}

// MaxGamma is the largest gamma accepted.
const MaxGamma = 10.0

// parseGamma reads gamma in (0, MaxGamma]: below 1 darkens, above 1 lightens.
func parseGamma(a *args, _ string) (Step, error) {
	v, err := a.number("gamma")
	if err != nil {
		return nil, err
	}
	if v <= 0 || v > MaxGamma {
		return nil, a.fail("gamma", fmt.Sprintf("%s is out of range", fmtNum(v)),
			fmt.Sprintf("use a value above 0 and at most %s (1 changes nothing, below 1 darkens, above 1 lightens)", fmtNum(MaxGamma)))
	}
	return &adjustStep{op: "gamma", key: "gamma", v: v, fn: imaging.AdjustGamma}, nil
}
