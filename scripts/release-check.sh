#!/usr/bin/env bash
# Checks .goreleaser.yaml. With a goreleaser binary (on PATH, in tools/bin, or
# named by $GORELEASER) it runs `goreleaser check` in a scratch clone (goreleaser
# wants a git remote). Building goreleaser from source takes 5–11 minutes on
# 2 cores, too long for CI, so without one it validates the YAML's structure
# (internal/build's TestGoreleaserConfig) and cross-compiles the static binary
# for the target furthest from the build machine (windows/arm64).
#
# --no-cross (what `make test`, and so CI, uses) leaves out that cross-compile:
# with a cold build cache it recompiles every dependency for another platform,
# about 2.7 minutes on 2 cores, a sixth of a cold CI run. `make release-check`
# does it.
set -euo pipefail
cd "$(dirname "$0")/.."

cross=1
[ "${1:-}" = --no-cross ] && cross=0

gr="${GORELEASER:-}"
[ -n "$gr" ] || gr=$(command -v goreleaser 2>/dev/null || true)
[ -n "$gr" ] || { [ -x tools/bin/goreleaser ] && gr=tools/bin/goreleaser; } || true

if [ -n "$gr" ]; then
	gr=$(realpath "$gr")
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	git clone -q . "$scratch/genmint"
	cp .goreleaser.yaml "$scratch/genmint/"
	(cd "$scratch/genmint" && git remote set-url origin https://github.com/genmint/genmint.git && "$gr" check)
	echo "release-check: goreleaser check passed" >&2
	exit 0
fi

echo "release-check: no goreleaser binary; validating .goreleaser.yaml's structure" >&2
go test -count=1 -run '^TestGoreleaserConfig$' ./internal/build/
if [ "$cross" = 0 ]; then
	echo "release-check: cross-compile left out (--no-cross); 'make release-check' runs it" >&2
	exit 0
fi
for target in windows/arm64; do
	CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build -trimpath -o /dev/null ./cmd/genmint
	echo "release-check: static build for $target ok" >&2
done
