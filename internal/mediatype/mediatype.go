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
}

// FromName is the media type of a file named name (a slash-separated path
// or a bare name), by its extension in any case: image/png, image/jpeg,
// image/webp, image/gif or application/json; "" for any other.
func FromName(name string) string {
	return byExt[strings.ToLower(path.Ext(name))]
}
