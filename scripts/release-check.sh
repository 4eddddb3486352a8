#!/usr/bin/env bash
# Checks the release.
#
#   scripts/release-check.sh --no-cross   the fast check `make test` (and so CI)
#                                         runs: .goreleaser.yaml's structure
#                                         (internal/build's TestGoreleaserConfig)
#   scripts/release-check.sh              `make release-check`: a full snapshot
#                                         release of the committed tree
#                                         (goreleaser check, then goreleaser
#                                         release --snapshot --clean, in a
#                                         scratch clone), then every archive
#                                         and package is opened and must hold
#                                         the binary, LICENSE, README.md, one
#                                         man page per command and the bash,
#                                         zsh, fish and PowerShell completions
#                                         (deb: dpkg-deb -c; rpm: rpm -qlp),
#                                         and the binary must say the snapshot's
#                                         version, commit and date.
#   scripts/release-check.sh --inspect DIST   only the inspection, of a dist
#                                         folder made elsewhere (it must hold
#                                         the linux/amd64 build).
#
# The commands that need a man page are read from the snapshot binary's own
# --help (every "Available Commands" entry, recursively, but help), not from
# what the release hook made, so a page the hook forgot is named as missing.
#
# goreleaser: $GORELEASER if set, else tools/bin/goreleaser, built on demand
# from the pinned tools module tools/goreleaser (never a dependency of genmint;
# 5 to 11 minutes on 2 cores, once). `make test` never builds it. The package
# listings need dpkg-deb and rpm (apt-get install rpm).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ "${1:-}" = --no-cross ]; then
	go test -count=1 -run '^TestGoreleaserConfig$' ./internal/build/
	echo "release-check: .goreleaser.yaml's structure ok; 'make release-check' builds and inspects a full snapshot" >&2
	exit 0
fi

inspect_only=0
if [ "${1:-}" = --inspect ]; then
	[ -d "${2:-}" ] || { echo "release-check: --inspect needs a dist folder: scripts/release-check.sh --inspect dist" >&2; exit 2; }
	inspect_only=1
	dist=$(realpath "$2")
fi

command -v dpkg-deb >/dev/null || { echo "release-check: dpkg-deb is needed to list the deb packages: apt-get install dpkg" >&2; exit 1; }
command -v rpm >/dev/null || { echo "release-check: rpm is needed to list the rpm packages: apt-get install rpm" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ "$inspect_only" = 0 ]; then
	gr="${GORELEASER:-}"
	if [ -z "$gr" ]; then
		gr=tools/bin/goreleaser
		if [ ! -x "$gr" ] || [ tools/goreleaser/go.mod -nt "$gr" ]; then
			echo "release-check: building goreleaser $(awk '$1 == "github.com/goreleaser/goreleaser/v2" { print $2 }' tools/goreleaser/go.mod) from tools/goreleaser into tools/bin (once; 5 to 11 minutes on 2 cores)" >&2
			mkdir -p tools/bin
			(cd tools/goreleaser && go build -o ../bin/goreleaser github.com/goreleaser/goreleaser/v2)
		fi
	fi
	gr=$(realpath "$gr")
	if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
		echo "release-check: uncommitted changes are left out: the snapshot is built from the committed tree ($(git rev-parse --short HEAD))" >&2
	fi
	git clone -q . "$scratch/genmint"
	cd "$scratch/genmint"
	git remote set-url origin https://github.com/genmint/genmint.git # goreleaser wants a remote
	"$gr" check
	"$gr" release --snapshot --clean
	dist=$scratch/genmint/dist
	want_commit=$(git rev-parse HEAD)
fi
cd "$dist"

fail=0
problem() {
	echo "release-check: $*" >&2
	fail=1
}

# The snapshot's version, as goreleaser recorded it.
want_version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' metadata.json | head -1)
[ -n "$want_version" ] || { echo "release-check: $dist/metadata.json names no version" >&2; exit 1; }
[ -n "${want_commit:-}" ] || want_commit=$(sed -n 's/.*"commit": *"\([^"]*\)".*/\1/p' metadata.json | head -1)

host=$(ls -d genmint_linux_amd64*/ 2>/dev/null | head -1 || true)
[ -n "$host" ] && [ -x "$host/genmint" ] || { echo "release-check: $dist holds no linux/amd64 binary to read the command tree from" >&2; exit 1; }
bin=$dist/${host%/}/genmint

# version: the ldflags stamped the snapshot's version, commit and date.
check_version() { # binary what
	local out field
	out=$("$1" version --json) || { problem "$2: 'genmint version' failed"; return; }
	field() { printf '%s\n' "$out" | sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p"; }
	[ "$(field version)" = "$want_version" ] || problem "$2: 'genmint version' says version '$(field version)', want $want_version"
	local commit
	commit=$(field commit)
	[ -n "$commit" ] && [ "${want_commit#"$commit"}" != "$want_commit" ] || problem "$2: 'genmint version' says commit '$commit', want a prefix of $want_commit"
	[ -n "$(field date)" ] || problem "$2: 'genmint version' says no build date"
}
check_version "$bin" "$host"
echo "release-check: $("$bin" version)" >&2

# One man page per command, named as cobra names them: genmint-wallet-new.1.gz.
walk() { # command words…
	local sub
	local name=genmint
	for w in "$@"; do name+="-$w"; done
	echo "$name.1.gz"
	for sub in $("$bin" "$@" --help | awk '/^Available Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }'); do
		[ "$sub" = help ] || walk "$@" "$sub"
	done
}
walk | sort >"$scratch/pages"
commands=$(wc -l <"$scratch/pages")
[ "$commands" -gt 20 ] || { echo "release-check: only $commands commands found in '$bin --help'" >&2; exit 1; }

# need LISTING WHAT PATH… : every PATH (exact, one per line) is in LISTING.
need() {
	local list=$1 what=$2 p
	shift 2
	for p in "$@"; do
		grep -Fxq -- "$p" "$list" || problem "$what lacks $p"
	done
}
# pages LISTING WHAT PREFIX : LISTING has exactly one page per command under PREFIX.
pages() {
	local list=$1 what=$2 prefix=$3 p
	while read -r p; do need "$list" "$what" "$prefix$p"; done <"$scratch/pages"
	for p in $(grep -F -- "$prefix" "$list" | grep -E '\.1\.gz$' | sed "s|^$prefix||" | sort | comm -13 "$scratch/pages" -); do
		problem "$what has a man page for no command: $prefix$p"
	done
}

archives=0
for os in linux darwin windows; do
	for arch in amd64 arm64; do
		ext=tar.gz exe=
		[ "$os" = windows ] && ext=zip exe=.exe
		a=genmint_${want_version}_${os}_$arch.$ext
		[ -e "$a" ] || { problem "no archive $a"; continue; }
		archives=$((archives + 1))
		x=$scratch/x/$os-$arch
		mkdir -p "$x"
		case $ext in
		tar.gz) tar -xzf "$a" -C "$x" ;;
		zip) unzip -q "$a" -d "$x" ;;
		esac
		(cd "$x" && find . -type f | sed 's|^\./||' | sort) >"$scratch/list"
		need "$scratch/list" "$a" "genmint$exe" LICENSE README.md completions/genmint.bash completions/genmint.zsh \
			completions/genmint.fish completions/genmint.ps1
		pages "$scratch/list" "$a" manpages/
		for f in LICENSE README.md completions/genmint.bash completions/genmint.zsh completions/genmint.fish completions/genmint.ps1; do
			[ ! -e "$x/$f" ] || [ -s "$x/$f" ] || problem "$a: $f is empty"
		done
		grep -q 'Apache License' "$x/LICENSE" 2>/dev/null || problem "$a: LICENSE is not the Apache-2.0 text"
		for m in "$x"/manpages/*.1.gz; do
			[ -e "$m" ] || continue
			zcat "$m" 2>/dev/null | grep -q '^\.TH "GENMINT' || problem "$a: ${m#"$x/"} is not a gzipped man page"
		done
		if [ -e "$x/completions/genmint.bash" ] && ! bash -n "$x/completions/genmint.bash"; then
			problem "$a: completions/genmint.bash is not valid bash"
		fi
		if [ "$os/$arch" = linux/amd64 ] && [ -x "$x/genmint" ]; then
			check_version "$x/genmint" "$a"
		fi
		if command -v file >/dev/null && [ -e "$x/genmint$exe" ]; then
			case "$os/$arch/$(file -b "$x/genmint$exe")" in
			linux/amd64/ELF*x86-64* | linux/arm64/ELF*aarch64* | darwin/amd64/Mach-O*x86_64* | darwin/arm64/Mach-O*arm64* | windows/amd64/PE32+*x86-64* | windows/arm64/PE32+*Aarch64*) ;;
			*) problem "$a: genmint$exe is $(file -b "$x/genmint$exe")" ;;
			esac
		fi
	done
done

# Packages install the same files in the system's places (no PowerShell on Linux).
pkg_files=(/usr/bin/genmint /usr/share/doc/genmint/LICENSE /usr/share/doc/genmint/README.md
	/usr/share/bash-completion/completions/genmint /usr/share/zsh/vendor-completions/_genmint
	/usr/share/fish/vendor_completions.d/genmint.fish)
pkgs=0
for arch in amd64 arm64; do
	debs=(genmint_*_"$arch".deb)
	if [ -e "${debs[0]}" ]; then
		p=${debs[0]}
		pkgs=$((pkgs + 1))
		dpkg-deb -c "$p" | awk '{ print $NF }' | sed 's|^\./|/|' | grep -v '/$' | sort >"$scratch/list"
		need "$scratch/list" "$p" "${pkg_files[@]}"
		pages "$scratch/list" "$p" /usr/share/man/man1/
		[ "$(dpkg-deb -f "$p" Architecture)" = "$arch" ] || problem "$p: Architecture $(dpkg-deb -f "$p" Architecture), want $arch"
		if [ "$arch" = amd64 ]; then
			dpkg-deb -x "$p" "$scratch/deb"
			check_version "$scratch/deb/usr/bin/genmint" "$p"
		fi
	else
		problem "no deb package for $arch"
	fi
	rpmarch=x86_64
	[ "$arch" = arm64 ] && rpmarch=aarch64
	rpms=(genmint-*."$rpmarch".rpm)
	if [ -e "${rpms[0]}" ]; then
		p=${rpms[0]}
		pkgs=$((pkgs + 1))
		rpm -qlp "$p" 2>/dev/null | sort >"$scratch/list"
		need "$scratch/list" "$p" "${pkg_files[@]}"
		pages "$scratch/list" "$p" /usr/share/man/man1/
		info=$(rpm -qp --queryformat '%{ARCH} %{LICENSE}' "$p" 2>/dev/null)
		[ "$info" = "$rpmarch Apache-2.0" ] || problem "$p: arch and license '$info', want '$rpmarch Apache-2.0'"
	else
		problem "no rpm package for $arch ($rpmarch)"
	fi
done

# checksums.txt covers every archive and package, and matches.
if [ -e checksums.txt ]; then
	sha256sum --quiet -c checksums.txt >&2 || problem "checksums.txt does not match the files"
	for f in *.tar.gz *.zip *.deb *.rpm; do
		[ -e "$f" ] || continue
		grep -q "  $f\$" checksums.txt || problem "checksums.txt lacks $f"
	done
else
	problem "no checksums.txt"
fi

[ "$fail" = 0 ] || { echo "release-check: FAILED (see above)" >&2; exit 1; }
echo "release-check: ok: $archives archives and $pkgs packages hold the binary, LICENSE, README, $commands man pages (one per command) and the completions; version $want_version, commit ${want_commit:0:12}" >&2
