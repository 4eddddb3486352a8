// Package build holds facts about the running genmint binary.
package build

import (
	"runtime/debug"
	"sync"
)

// Version is genmint's version. Release builds set it with
// -ldflags "-X github.com/genmint/genmint/internal/build.Version=v1.2.3".
var Version = "dev"

// Commit and Date are set by release builds. Without ldflags they come from
// the build info Go records (see String).
var (
	Commit = ""
	Date   = ""
)

var once sync.Once

// String returns the version. When no ldflags were given, it fills Version,
// Commit and Date from the build information Go records in every binary:
// the module version (`go install github.com/genmint/genmint/cmd/genmint@v1.2.3`)
// and the VCS revision and time (a build inside a git checkout), so even a
// plain `go build` says which commit it is, with "-dirty" for uncommitted
// changes.
func String() string {
	once.Do(func() {
		info, ok := debug.ReadBuildInfo()
		if !ok {
			return
		}
		fill(info)
	})
	return Version
}

// fill sets what the ldflags left unset from info.
func fill(info *debug.BuildInfo) {
	if Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		Version = info.Main.Version
	}
	var rev, at string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if Commit == "" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "-dirty"
		}
		Commit = rev
		if Date == "" {
			Date = at
		}
	}
}
