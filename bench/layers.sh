#!/usr/bin/env bash
# Layered art (issue 13), each number next to a reference measured in the
# same run; exits 1 when a target is missed.
#   1. compositing N items (default 1,000) of 6 layers at 1024² with the
#      layers provider vs `vips composite` of the same files, alternating
#      item by item (goal: genmint/vips ≤ 1.2 per image);
#   2. peak RSS of `genmint generate` over a layers spec at 1,000 vs 10,000
#      items (256² sample layers, so per-item memory is not hidden by image
#      buffers; goal: flat, which here means the 10,000-item run's peak RSS
#      is at most 1.05× the 1,000-item run's: a run holds a batch of the
#      plan and a few bytes per item, never the whole collection).
# Usage: bench/layers.sh [composite|memory|all] [items]   (default all 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
items=${2:-1000}
./scripts/tools.sh >/dev/null
fail=0

if [[ $what == all || $what == composite ]]; then
	echo "== $items items of 6 layers at 1024²: layers provider vs vips composite, same files, same run"
	out=$(go test ./generate/providers/layers -run '^$' -bench 'CompositeVsVips$' -benchtime "${items}x" -count 1 -timeout 0 | grep -E '^Benchmark')
	echo "$out"
	ratio=$(awk '{ for (i = 2; i <= NF; i++) if ($i == "genmint/vips") print $(i-1) }' <<<"$out")
	if awk -v r="$ratio" 'BEGIN { exit !(r > 1.2) }'; then
		echo "FAIL: genmint/vips = $ratio per image, target ≤ 1.2"
		fail=1
	fi
fi

if [[ $what == all || $what == memory ]]; then
	echo "== peak RSS of genmint generate (layers starter, 256²): 1,000 vs 10,000 items, same binary"
	bin=$(mktemp -d)/genmint
	# Measured from a plain copy of the binary: run straight from the file
	# the linker wrote, every run shows some 20 MB more RSS (seen on Linux:
	# 'genmint version' peaks at 66 MB, at 43 MB from a copy), a constant
	# that would hide the growth looked for here.
	go build -o "$bin.link" ./cmd/genmint
	cp "$bin.link" "$bin"
	rss() { # count → KB
		local d
		d=$(mktemp -d)
		"$bin" init "$d/c" --template layers --seed 1 >/dev/null
		sed -i "s/^count: .*/count: $1/" "$d/c/genmint.yaml"
		echo "unique: false" >>"$d/c/genmint.yaml"
		/usr/bin/time -f '%M' "$bin" -C "$d/c" generate -q 2>&1 >/dev/null | tail -1
		rm -rf "$d"
	}
	small=$(rss 1000)
	large=$(rss 10000)
	awk -v s="$small" -v l="$large" 'BEGIN { printf "1,000 items: %.1f MB   10,000 items: %.1f MB   ratio %.3f (flat is 1, target ≤ 1.05)\n", s/1024, l/1024, l/s }'
	if awk -v s="$small" -v l="$large" 'BEGIN { exit !(l/s > 1.05) }'; then
		echo "FAIL: peak RSS grows with the number of items"
		fail=1
	fi
fi
exit $fail
