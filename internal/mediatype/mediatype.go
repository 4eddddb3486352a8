// Package mediatype names the media type of the files genmint writes and
// publishes, from their names alone (no system MIME tables, so the answer is
// the same on every machine).
package mediatype

import (
	"path"
	"strings"
)

var byExt = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".webp": "image/webp",
	".gif":  "image/gif",
	".json": "application/json",
	// Animations (token metadata's animation_url).
	".mp4":  "video/mp4",
	".webm": "video/webm",
	".html": "text/html",
	".glb":  "model/gltf-binary",
}

// FromName is the media type of a file named name (a slash-separated path
// or a bare name), by its extension in any case: image/png, image/jpeg,
// image/webp, image/gif, application/json, video/mp4, video/webm,
// text/html or model/gltf-binary; "" for any other.
func FromName(name string) string {
	return byExt[strings.ToLower(path.Ext(name))]
}
