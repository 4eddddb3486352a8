package mediatype

import "testing"

// TestFromName covers both copies it replaced: state's (png and jpeg, lower
// case only, "" otherwise) and pin's (any case, also webp, gif and json).
func TestFromName(t *testing.T) {
	for name, want := range map[string]string{
		"images/0001.png":          "image/png",
		"0001.PNG":                 "image/png",
		"a.jpg":                    "image/jpeg",
		"a.JPG":                    "image/jpeg",
		"a.jpeg":                   "image/jpeg",
		"a.Jpeg":                   "image/jpeg",
		"a.webp":                   "image/webp",
		"a.gif":                    "image/gif",
		"metadata/1.json":          "application/json",
		"items/0007/animation.gif": "image/gif",
		"7.MP4":                    "video/mp4",
		"7.webm":                   "video/webm",
		"7.html":                   "text/html",
		"7.glb":                    "model/gltf-binary",
		"7.mov":                    "",
		"a.tiff":                   "",
		"png":                      "",
		"":                         "",
		"dir.png/file":             "",
		"archive.tar.gz":           "",
		"candidates/3/x.v2.webp":   "image/webp",
	} {
		if got := FromName(name); got != want {
			t.Errorf("FromName(%q) = %q, want %q", name, got, want)
		}
	}
}
