#!/usr/bin/env bash
# Checks the release.
#
#   scripts/release-check.sh --no-cross   the fast check `make test` (and so CI)
#                                         runs: .goreleaser.yaml's structure
#                                         (internal/build's TestGoreleaserConfig)
#   scripts/release-check.sh              `make release-check`: a full snapshot
#                                         release of the committed tree
#                                         (goreleaser release --snapshot --clean
#                                         in a scratch clone), then every
#                                         archive and package is opened and must
#                                         hold the binary, LICENSE, README.md,
#                                         one man page per command and the bash,
#                                         zsh, fish and PowerShell completions
#                                         (deb: dpkg-deb -c; rpm: rpm -qlp).
#   scripts/release-check.sh --inspect DIST N   only the inspection, of a dist
#                                         folder made elsewhere, N man pages
#                                         expected in each archive.
#
# goreleaser comes from $GORELEASER, PATH or tools/bin; without one, the full
# check builds it into tools/bin (go install, pinned version: minutes on 2
# cores, once). The rpm listing needs rpm (apt-get install rpm).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

goreleaser_version=v2.17.0

inspect_only=0
if [ "${1:-}" = --inspect ]; then
	inspect_only=1
	dist=$(realpath "$2")
	commands=$3
fi

if [ "${1:-}" = --no-cross ]; then
	go test -count=1 -run '^TestGoreleaserConfig$' ./internal/build/
	echo "release-check: .goreleaser.yaml's structure ok; 'make release-check' builds and inspects a full snapshot" >&2
	exit 0
fi

command -v dpkg-deb >/dev/null || { echo "release-check: dpkg-deb is needed to list the deb package (apt-get install dpkg)" >&2; exit 1; }
command -v rpm >/dev/null || { echo "release-check: rpm is needed to list the rpm package: apt-get install rpm" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ "$inspect_only" = 0 ]; then
gr="${GORELEASER:-}"
[ -n "$gr" ] || gr=$(command -v goreleaser 2>/dev/null || true)
[ -n "$gr" ] || { [ -x tools/bin/goreleaser ] && gr=tools/bin/goreleaser; } || true
if [ -z "$gr" ]; then
	echo "release-check: building goreleaser $goreleaser_version into tools/bin (once; several minutes)" >&2
	mkdir -p tools/bin
	GOBIN="$repo/tools/bin" go install "github.com/goreleaser/goreleaser/v2@$goreleaser_version"
	gr=tools/bin/goreleaser
fi
gr=$(realpath "$gr")
git clone -q . "$scratch/genmint"
cd "$scratch/genmint"
git remote set-url origin https://github.com/genmint/genmint.git
"$gr" check
"$gr" release --snapshot --clean
dist=$scratch/genmint/dist
# Every command of the tree has its page: the count comes from the binary.
commands=$(find "$scratch/genmint/manpages" -name '*.1.gz' | wc -l)
[ "$commands" -gt 10 ] || { echo "release-check: only $commands man pages were made" >&2; exit 1; }
fi
cd "$dist"
host=$(ls -d genmint_linux_amd64*/ 2>/dev/null | head -1 || true)

fail=0
need() { # listing-file what path-regex…
	local list=$1 what=$2
	shift 2
	for re in "$@"; do
		if ! grep -Eq "$re" "$list"; then
			echo "release-check: $what lacks $re" >&2
			fail=1
		fi
	done
}
archives=0
for a in *.tar.gz *.zip; do
	[ -e "$a" ] || continue
	archives=$((archives + 1))
	case $a in
	*.tar.gz) tar -tzf "$a" >"$scratch/list" ;;
	*.zip) unzip -Z1 "$a" >"$scratch/list" ;;
	esac
	bin='(^|/)genmint$'
	[[ $a == *windows* ]] && bin='(^|/)genmint\.exe$'
	need "$scratch/list" "$a" "$bin" '(^|/)LICENSE$' '(^|/)README\.md$' '(^|/)manpages/genmint\.1\.gz$' \
		'(^|/)manpages/genmint-run\.1\.gz$' '(^|/)completions/genmint\.bash$' '(^|/)completions/genmint\.zsh$' \
		'(^|/)completions/genmint\.fish$' '(^|/)completions/genmint\.ps1$'
	pages=$(grep -Ec '(^|/)manpages/.*\.1\.gz$' "$scratch/list" || true)
	[ "$pages" = "$commands" ] || { echo "release-check: $a has $pages man pages, want $commands" >&2; fail=1; }
done
[ "$archives" = 6 ] || { echo "release-check: $archives archives, want 6 (linux, darwin, windows × amd64, arm64)" >&2; fail=1; }

pkgs=0
for p in *.deb; do
	[ -e "$p" ] || continue
	pkgs=$((pkgs + 1))
	dpkg-deb -c "$p" | awk '{ print $NF }' >"$scratch/list"
	need "$scratch/list" "$p" '^\./usr/bin/genmint$' '^\./usr/share/doc/genmint/LICENSE$' '^\./usr/share/man/man1/genmint\.1\.gz$' \
		'^\./usr/share/man/man1/genmint-run\.1\.gz$' '^\./usr/share/bash-completion/completions/genmint$' \
		'^\./usr/share/zsh/vendor-completions/_genmint$' '^\./usr/share/fish/vendor_completions\.d/genmint\.fish$'
done
for p in *.rpm; do
	[ -e "$p" ] || continue
	pkgs=$((pkgs + 1))
	rpm -qlp "$p" 2>/dev/null >"$scratch/list"
	need "$scratch/list" "$p" '^/usr/bin/genmint$' '^/usr/share/doc/genmint/LICENSE$' '^/usr/share/man/man1/genmint\.1\.gz$' \
		'^/usr/share/man/man1/genmint-run\.1\.gz$' '^/usr/share/bash-completion/completions/genmint$' \
		'^/usr/share/zsh/vendor-completions/_genmint$' '^/usr/share/fish/vendor_completions\.d/genmint\.fish$'
done
[ "$pkgs" = 4 ] || { echo "release-check: $pkgs deb/rpm packages, want 4 (deb and rpm × amd64, arm64)" >&2; fail=1; }

# The host's binary runs and says its snapshot version.
if [ -n "$host" ] && [ -x "$host/genmint" ]; then
	"$host/genmint" version
fi
[ "$fail" = 0 ] || exit 1
echo "release-check: $archives archives and $pkgs packages hold the binary, LICENSE, README, $commands man pages and 4 completions" >&2
