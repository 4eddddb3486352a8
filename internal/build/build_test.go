package build

import (
	"runtime/debug"
	"testing"
)

// TestFill: without ldflags, the version comes from the module version and
// the commit and date from the VCS settings Go records; ldflags win.
func TestFill(t *testing.T) {
	save := func() func() {
		v, c, d := Version, Commit, Date
		return func() { Version, Commit, Date = v, c, d }
	}
	defer save()()
	info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/genmint/genmint", Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-11-22T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	Version, Commit, Date = "dev", "", ""
	fill(info)
	if Version != "v1.4.0" || Commit != "0123456789ab-dirty" || Date != "2026-11-22T10:00:00Z" {
		t.Fatalf("from build info: %q %q %q", Version, Commit, Date)
	}
	// A checkout build: "(devel)" keeps "dev", the commit still shows.
	info.Main.Version = "(devel)"
	info.Settings[3].Value = "false"
	Version, Commit, Date = "dev", "", ""
	fill(info)
	if Version != "dev" || Commit != "0123456789ab" {
		t.Fatalf("checkout build: %q %q", Version, Commit)
	}
	// Release ldflags win.
	Version, Commit, Date = "v2.0.0", "abc1234", "2026-12-01"
	fill(info)
	if Version != "v2.0.0" || Commit != "abc1234" || Date != "2026-12-01" {
		t.Fatalf("ldflags: %q %q %q", Version, Commit, Date)
	}
}
