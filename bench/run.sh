#!/usr/bin/env bash
# genmint's benchmarks, each printed next to a reference measured in the same
# run. Usage: bench/run.sh [generate|memory|providers|all] (default all).
# Speed targets are checked here, never by timed unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
./scripts/tools.sh >/dev/null

bench() { # package, pattern, benchtime
	go test "$1" -run '^$' -bench "$2" -benchtime "$3" -count 1 | grep -E '^Benchmark' || true
}

if [[ $what == all || $what == generate ]]; then
	echo "== procedural render and encode, one core (reference: png.Encode of the same image)"
	bench ./generate/providers/procedural 'Render1024$|Generate1024$|ReferencePNG1024$' 10x
	echo "== one 1024×1024 item: render + post-process + encode + provenance, one core"
	bench ./generate/pipeline 'Item1024$' 10x
	echo "== generate 200 items at 1024×1024 on all cores (state, fsync'd files, provenance)"
	bench ./generate/pipeline 'Generate200$' 1x
	echo "== resize to half with lanczos: genmint ÷ vips, same files, same run"
	bench ./postprocess 'ResizeVsVips' 5x
fi

if [[ $what == all || $what == memory ]]; then
	echo "== peak RSS of genmint generate: 100 vs 1,000 items (128×128), same binary"
	bin=$(mktemp -d)/genmint
	go build -o "$bin" ./cmd/genmint
	rss() { # count → KB
		local d
		d=$(mktemp -d)
		sed "s/^count: .*/count: $1/" bench/memory.yaml >"$d/genmint.yaml"
		/usr/bin/time -f '%M' "$bin" -C "$d" generate -q 2>&1 >/dev/null | tail -1
		rm -rf "$d"
	}
	small=$(rss 100)
	large=$(rss 1000)
	awk -v s="$small" -v l="$large" 'BEGIN { printf "100 items: %.1f MB   1,000 items: %.1f MB   ratio %.2f (flat is ~1)\n", s/1024, l/1024, l/s }'
fi

if [[ $what == all || $what == providers ]]; then
	echo "== 200 items through the provider wrappers, 300 ms fake latency, concurrency 8 (ratio to the ideal 7.5 s)"
	bench ./generate/providers 'Stack' 1x
	echo "== the same through the whole pipeline (journal, fsync'd files, provenance); 5% 503s retried, lost items must be 0"
	bench ./generate/pipeline 'Latency200' 1x
fi
