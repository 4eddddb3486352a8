#!/usr/bin/env bash
# genmint's whole test suite, as `make test` and CI run it, on a fresh machine:
# installs the real programs the integration tests use, then checks formatting
# and import grouping, vets, and runs every test. Integration tests never skip
# here: a missing Kubo, anvil or solc is a failure (GENMINT_REQUIRE_TOOLS=1).
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
# Imports in three groups: standard library; third-party; genmint's own.
# goimports orders each group (and splits mixed ones); docs/imports_test.go,
# run with the tests below, holds the groups' order.
unsorted=$(go run golang.org/x/tools/cmd/goimports@v0.53.0 -local github.com/genmint/genmint -l $(git ls-files '*.go'))
if [ -n "$unsorted" ]; then
	echo "test: these files' imports are not goimports-grouped (std; third-party; github.com/genmint/genmint):" >&2
	echo "$unsorted" >&2
	echo "fix: go run golang.org/x/tools/cmd/goimports@v0.53.0 -local github.com/genmint/genmint -w FILE" >&2
	exit 1
fi

go vet ./...
go test -count=1 -timeout 15m ./...
./scripts/release-check.sh --no-cross
echo "test: all passed" >&2
