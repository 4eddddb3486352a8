// Package build holds facts about the running genmint binary.
package build

import (
	"runtime/debug"
	"sync"
)

// Version is genmint's version. Release builds set it with
// -ldflags "-X github.com/genmint/genmint/internal/build.Version=v1.2.3".
var Version = "dev"

// Commit and Date are set by release builds; they are empty otherwise.
var (
	Commit = ""
	Date   = ""
)

var once sync.Once

// String returns the version, falling back to the module version recorded by
// `go install module@version` when no ldflags were given.
func String() string {
	once.Do(func() {
		if Version != "dev" {
			return
		}
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			Version = info.Main.Version
		}
	})
	return Version
}
