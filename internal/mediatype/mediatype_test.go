package mediatype

import "testing"

// TestFromName covers both copies it replaced: state's (png and jpeg, lower
// case only, "" otherwise) and pin's (any case, also webp, gif and json).
func TestFromName(t *testing.T) {
	for name, want := range map[string]string{
		"images/0001.png":        "image/png",
		"0001.PNG":               "image/png",
		"a.jpg":                  "image/jpeg",
		"a.JPG":                  "image/jpeg",
		"a.jpeg":                 "image/jpeg",
		"a.Jpeg":                 "image/jpeg",
		"a.webp":                 "image/webp",
		"a.gif":                  "image/gif",
		"metadata/1.json":        "application/json",
		"a.tiff":                 "",
		"png":                    "",
		"":                       "",
		"dir.png/file":           "",
		"archive.tar.gz":         "",
		"candidates/3/x.v2.webp": "image/webp",
	} {
		if got := FromName(name); got != want {
			t.Errorf("FromName(%q) = %q, want %q", name, got, want)
		}
	}
}
