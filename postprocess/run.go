package postprocess

import (
	"errors"
	"fmt"
	"image"
)

// Run applies steps to img in order and returns the result; img is not
// modified. It is safe to call from many goroutines at once with the same
// steps. An error names the step (1-based, as in the spec's list) and says
// what to change, e.g.
//
//	postprocess step 2: crop: 2000×2000 is larger than the 1024×1024 image: lower the size or resize first
//
// A result over the pixel cap wraps ErrTooLarge.
func Run(img image.Image, steps []Step) (image.Image, error) {
	if img == nil {
		return nil, errors.New("postprocess: no image")
	}
	if err := checkImage("postprocess: the input", img); err != nil {
		return nil, err
	}
	for i, s := range steps {
		out, err := s.Apply(img)
		if err != nil {
			return nil, fmt.Errorf("postprocess step %d: %w", i+1, err)
		}
		if out == nil || out.Bounds().Empty() {
			return nil, fmt.Errorf("postprocess step %d: %s produced an empty image", i+1, s.Op())
		}
		img = out
	}
	return img, nil
}

// checkImage refuses an empty image or one over the pixel cap.
func checkImage(what string, img image.Image) error {
	b := img.Bounds()
	if b.Empty() {
		return fmt.Errorf("%s image is empty", what)
	}
	if int64(b.Dx())*int64(b.Dy()) > MaxPixels {
		return fmt.Errorf("%s image is %d×%d, over the %s cap: %w", what, b.Dx(), b.Dy(), megapixels(MaxPixels), ErrTooLarge)
	}
	return nil
}
