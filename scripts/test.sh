#!/usr/bin/env bash
# genmint's whole test suite, as `make test` and CI run it, on a fresh machine:
# installs the real programs the integration tests use, then checks formatting,
# vets, and runs every test. Integration tests never skip here: a missing
# Kubo, anvil or solc is a failure (GENMINT_REQUIRE_TOOLS=1).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/tools.sh
export GENMINT_REQUIRE_TOOLS=1

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "test: these files are not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...
go test -count=1 -timeout 15m ./...
./scripts/release-check.sh --no-cross
echo "test: all passed" >&2
