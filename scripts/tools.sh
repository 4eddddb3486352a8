#!/usr/bin/env bash
# Installs the real programs genmint's tests run against, on a fresh machine:
#   - exiftool, vips, tmux, qemu-user (Debian packages; qemu runs the arm64 determinism check)
#   - anvil, solc, OpenZeppelin, ERC721A, ethers (npm, pinned by tools/package-lock.json)
#   - Kubo, built from its own module in tools/kubo (never a dependency of genmint)
# It is idempotent: what is already installed and current is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
command -v vips >/dev/null 2>&1 || need+=(libvips-tools)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user)
[ -x /usr/bin/time ] || need+=(time)
if ((${#need[@]})); then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	echo "tools: installing ${need[*]} with apt-get" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x tools/node_modules/.bin/anvil ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
	# Not "npm ci": the lock holds only the linux-amd64 anvil binary (the registry reachable
	# here answers 404 for the other platforms' packages), and npm ci refuses a lock that
	# lacks optional dependencies. "npm install --no-save" still installs exactly the locked
	# versions and checks their integrity hashes, and never rewrites the lock.
	echo "tools: npm install (locked) in tools/" >&2
	(cd tools && npm install --no-save --no-audit --no-fund --loglevel=error)
fi

if [ ! -x tools/bin/ipfs ] || [ tools/kubo/go.mod -nt tools/bin/ipfs ]; then
	echo "tools: building Kubo from tools/kubo (about 3½ minutes on 2 cores with a cold build cache)" >&2
	# No -trimpath: with the same flags as `go test`, the standard library and any
	# dependency at the same version compile once for both (a cold CI run).
	(cd tools/kubo && go build -o ../bin/ipfs github.com/ipfs/kubo/cmd/ipfs)
fi
echo "tools: ready ($(tools/bin/ipfs version), $(tools/node_modules/.bin/anvil --version | head -1), solc $(tools/node_modules/.bin/solcjs --version))" >&2
