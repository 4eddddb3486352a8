package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"width", "widht", 1}, {"symbl", "symbol", 1},
		{"ocean", "ocean", 0}, {"naïve", "naive", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	valid := []string{"width", "height", "anchor", "filter", "saturation", "sharpen", "symbol", "bottom-right", "bottom-left"}
	for _, c := range []struct{ got, want string }{
		{"widht", "width"},    // swapped letters
		{"Symbl", "symbol"},   // case and a missing letter
		{"anchr", "anchor"},   // missing letter
		{"sat", "saturation"}, // unambiguous prefix
		{"bottom", ""},        // ambiguous prefix
		{"xyz", ""},           // nothing close
		{"hi", ""},            // too short to guess
		{"fliter", "filter"},
	} {
		if got := Closest(c.got, valid); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.got, got, c.want)
		}
	}
}
