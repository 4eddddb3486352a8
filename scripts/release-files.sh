#!/usr/bin/env bash
# Generates what every release archive and package ships beside the binary,
# from the command tree itself so it never disagrees with --help:
#   completions/genmint.{bash,zsh,fish,ps1}   shell completions (cobra)
#   manpages/genmint*.1.gz                    one man page per command
# goreleaser runs it as a `before` hook; it needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf completions manpages
mkdir -p completions manpages
bin=$(mktemp -d)/genmint
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/genmint # a host build: only what it prints is shipped

for sh in bash zsh fish powershell; do
	ext=$sh
	[ "$sh" = powershell ] && ext=ps1
	"$bin" completion "$sh" > "completions/genmint.$ext"
done
"$bin" man --dir manpages -q
gzip -9n manpages/*.1
echo "release-files: $(ls completions | wc -l) completions, $(ls manpages | wc -l) man pages" >&2
