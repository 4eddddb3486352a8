#!/usr/bin/env bash
# genmint's benchmarks, each figure printed beside its reference measured in
# the same run, and checked against its target. Speed targets are checked
# here, never by timed unit tests.
#
# Usage: bench/run.sh [all|generate|providers|memory|layers|pin|s3|verify|curate|provenance|startup|gas]
# (default all). Exits 1 when any benchmark fails or misses its target, after
# running every one asked for; the last lines list what missed.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case $what in
all | generate | providers | memory | layers | pin | s3 | verify | curate | provenance | startup | gas) ;;
*)
	echo "usage: bench/run.sh [all|generate|providers|memory|layers|pin|s3|verify|curate|provenance|startup|gas]" >&2
	exit 2
	;;
esac
./scripts/tools.sh >/dev/null

missed=()
out=""

# bench LABEL PACKAGE PATTERN BENCHTIME: runs the benchmarks, prints their
# lines; a benchmark that fails (b.Fatal, b.Error: its own target) is a miss.
bench() {
	echo "== $1"
	local status=0
	out=$(go test "$2" -run '^$' -bench "$3" -benchtime "$4" -count 1 2>&1) || status=$?
	grep -E '^Benchmark|target' <<<"$out" || true
	if [[ $status != 0 ]]; then
		grep -vE '^(Benchmark|goos|goarch|pkg|cpu|PASS|ok)' <<<"$out" | tail -20
		missed+=("$1: the benchmark failed (exit $status)")
	fi
}

# metric BENCHMARK UNIT: the value of UNIT on the first line of $out whose
# benchmark name matches the regular expression BENCHMARK.
metric() {
	awk -v re="$1" -v unit="$2" '$1 ~ re { for (i = 3; i <= NF; i++) if ($i == unit) { print $(i - 1); exit } }' <<<"$out"
}

# check NAME VALUE OP TARGET BESIDE: prints the figure beside its reference
# and target; records a miss. OP is <= or >=.
check() {
	local name=$1 value=$2 op=$3 target=$4 beside=$5
	if [[ -z $value ]]; then
		echo "  $name: no figure (the benchmark did not report it)  MISSED"
		missed+=("$name: no figure")
		return
	fi
	if awk -v v="$value" -v t="$target" -v op="$op" 'BEGIN { exit !((op == "<=") ? v <= t : v >= t) }'; then
		echo "  $name: $value ($beside; target $op $target)  ok"
	else
		echo "  $name: $value ($beside; target $op $target)  MISSED"
		missed+=("$name: $value, target $op $target")
	fi
}

if [[ $what == all || $what == generate ]]; then
	bench "procedural render and encode, one core (reference: png.Encode of the same image)" \
		./generate/providers/procedural 'Render1024$|Generate1024$|ReferencePNG1024$' 10x
	ref=$(metric 'ReferencePNG1024' ns/op)
	gen=$(metric 'Generate1024' ns/op)
	[[ -n $ref && -n $gen ]] && check "procedural Generate1024 ÷ png.Encode" "$(awk -v a="$gen" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')" '<=' 2 "generate $gen ns, png.Encode $ref ns"
	bench "one 1024×1024 item: render + post-process + encode + provenance, one core" ./generate/pipeline 'Item1024$' 10x
	bench "generate 200 items at 1024×1024 on all cores (state, fsync'd files, provenance)" ./generate/pipeline 'Generate200$' 1x
	bench "resize to half with lanczos: genmint ÷ vips, same files, same run" ./postprocess 'ResizeVsVips' 5x
	check "resize 1024 genmint ÷ vips" "$(metric 'ResizeVsVips/1024x1024' genmint/vips)" '<=' 1.5 "vips $(metric 'ResizeVsVips/1024x1024' vips-ms) ms, genmint $(metric 'ResizeVsVips/1024x1024' genmint-ms) ms"
fi

if [[ $what == all || $what == providers ]]; then
	bench "200 items through the provider wrappers, 300 ms fake latency, concurrency 8 (reference: the ideal 7.5 s)" ./generate/providers 'Stack' 1x
	check "provider stack ÷ ideal (with 5% 503s retried)" "$(metric 'Stack' ratio_vs_work)" '<=' 1.15 "ideal 7.5 s + retried work"
	check "provider stack lost items" "$(metric 'Stack' lost)" '<=' 0 "of 200"
	bench "the same through the whole pipeline (journal, fsync'd files, provenance); 5% 503s retried" ./generate/pipeline 'Latency200' 1x
	check "pipeline at 300 ms latency ÷ ideal" "$(metric 'Latency200/steady' ratio-to-ideal)" '<=' 1.15 "ideal 7.5 s"
	check "pipeline lost items with 5% 503s" "$(metric 'Latency200/5pct-503' lost-items)" '<=' 0 "of 200"
fi

if [[ $what == all || $what == memory ]]; then
	echo "== peak RSS of genmint generate: 100 vs 1,000 items (128×128), same binary"
	bin=$(mktemp -d)/genmint
	# A plain copy: run straight from the file the linker wrote, every run
	# shows some 20 MB more RSS on Linux, which would dilute the ratio.
	go build -o "$bin.link" ./cmd/genmint
	cp "$bin.link" "$bin"
	rss() { # count → KB
		local d
		d=$(mktemp -d)
		sed "s/^count: .*/count: $1/" bench/memory.yaml >"$d/genmint.yaml"
		/usr/bin/time -f '%M' "$bin" -C "$d" generate -q 2>&1 >/dev/null | tail -1
		rm -rf "$d"
	}
	small=$(rss 100)
	large=$(rss 1000)
	check "peak RSS 1,000 ÷ 100 items" "$(awk -v s="$small" -v l="$large" 'BEGIN { printf "%.2f", l / s }')" '<=' 1.5 \
		"$(awk -v s="$small" -v l="$large" 'BEGIN { printf "100 items %.1f MB, 1,000 items %.1f MB; flat is 1", s / 1024, l / 1024 }')"
fi

if [[ $what == all || $what == layers ]]; then
	# Layered art (issue 13): compositing vs vips, and peak RSS flat from
	# 1,000 to 10,000 items; bench/layers.sh prints each figure beside its
	# reference and target.
	bench/layers.sh all || missed+=("layers: bench/layers.sh missed a target (see its FAIL lines)")
fi

if [[ $what == all || $what == pin ]]; then
	bench "pin 1,000 items to Kubo ÷ ipfs add -r of the same files, same node, same run" ./pin 'PinVsIPFSAdd' 1x
	check "pin ÷ ipfs add" "$(metric 'PinVsIPFSAdd' pin/ipfs-add)" '<=' 1.2 "ipfs add $(metric 'PinVsIPFSAdd' ipfs-add-s/op) s, pin $(metric 'PinVsIPFSAdd' pin-s/op) s"
	# Issue 16: the collection's 1,000 items, to a Kubo behind API.Authorizations.
	# The issue's target (1.1) is for the node on CPUs of its own, as a remote
	# node is; with every CPU shared, genmint's SHA-256 of every block takes
	# CPU from the node, and genmint's own target (1.3) keeps that in check.
	GENMINT_BENCH_ITEMS=1000 bench "pin 1,000 items to a remote Kubo (bearer token): CIDs + one CAR through dag/import + pin checks ÷ ipfs dag import of the same CAR through the same API, same run" \
		./pin 'RemoteCARImportVsDagImport' 1x
	own='RemoteCARImportVsDagImport/node-own-cpus' shared='RemoteCARImportVsDagImport/shared-cpus'
	check "remote CAR import ÷ ipfs dag import, node on its own CPUs" "$(metric "$own" genmint/dag-import)" '<=' 1.1 "ipfs dag import $(metric "$own" dag-import-s/op) s, genmint $(metric "$own" genmint-s/op) s"
	check "remote CAR import ÷ ipfs dag import, every CPU shared" "$(metric "$shared" genmint/dag-import)" '<=' 1.3 "ipfs dag import $(metric "$shared" dag-import-s/op) s, genmint $(metric "$shared" genmint-s/op) s; CPU: genmint $(metric "$shared" genmint-cpu-s/op) s, the CLI $(metric "$shared" cli-cpu-s/op) s"
fi

if [[ $what == all || $what == s3 ]]; then
	# Issue 16: constant memory while a CAR goes up to S3 (multipart, part by
	# part from the file), each upload in its own process; the server
	# (gofakes3, in memory) is not measured. GENMINT_BENCH_CAR_MB: the large CAR.
	bench "peak RSS of an S3 multipart upload: a ${GENMINT_BENCH_CAR_MB:-2048} MiB CAR (reference: one a tenth of it, same run)" ./pin 'S3UploadPeakRSS' 1x
	check "S3 upload peak RSS, large ÷ small CAR" "$(metric 'S3UploadPeakRSS' large/small)" '<=' 1.2 "flat is 1"
	check "S3 upload peak RSS, MB" "$(metric 'S3UploadPeakRSS' peak-MB)" '<=' 100 "the large CAR"
fi

if [[ $what == all || $what == verify ]]; then
	bench "verify 24 tokens from a CAR file, and the folder offline (reference: pin --dry-run of the same collection)" ./verify 'VerifyCAR|VerifyLocal' 5x
	check "verify from CAR ÷ pin --dry-run" "$(metric 'VerifyCAR' x-pin-dry-run)" '<=' 8 "$(metric 'VerifyCAR' µs/token) µs/token"
	check "verify --local ÷ pin --dry-run" "$(metric 'VerifyLocal' x-pin-dry-run)" '<=' 8 "$(metric 'VerifyLocal' µs/token) µs/token"
fi

if [[ $what == all || $what == curate ]]; then
	bench "curate: first screen of 10,000 items through the command (reference: reading the items)" ./cmd/curatecmd 'FirstScreen10k' 10x
	check "curate first screen ÷ 300 ms" "$(metric 'FirstScreen10k' x-budget)" '<=' 1 "$(metric 'FirstScreen10k' first-screen-ms) ms; reading the items $(metric 'FirstScreen10k' ref-ms) ms"
	bench "curation view: first frame and one key over 10,000 items (references: reading the items; 100 items)" ./tui 'FirstFrame10k|Scroll10k' 10x
	check "view first frame ÷ 300 ms" "$(metric 'FirstFrame10k' x-budget)" '<=' 1 "$(metric 'FirstFrame10k' first-frame-ms) ms; reading the items $(metric 'FirstFrame10k' ref-ms) ms"
	check "one key ÷ a 60 Hz frame" "$(metric 'Scroll10k' x-frame)" '<=' 1 "$(metric 'Scroll10k' us/key) µs a key; over 100 items ×$(metric 'Scroll10k' x-100items)"
fi

if [[ $what == all || $what == provenance ]]; then
	bench "provenance: embed and verify (references: png.Encode, sha256 of the same file)" ./provenance 'EmbedPNG|ReferencePNGEncode|^BenchmarkVerify$|ReferenceSHA256' 20x
	emb=$(metric 'EmbedPNG' ns/op)
	enc=$(metric 'ReferencePNGEncode' ns/op)
	[[ -n $emb && -n $enc ]] && check "embed ÷ png.Encode" "$(awk -v a="$emb" -v b="$enc" 'BEGIN { printf "%.3f", a / b }')" '<=' 0.25 "embed $emb ns, encode $enc ns"
fi

if [[ $what == all || $what == startup ]]; then
	bench "start-up on a terminal that never answers: version, list, status" ./cmd/genmint 'StartupOnSilentTerminal' 3x
	for c in version list status; do
		check "$c on a silent terminal, terminal queries" "$(metric "StartupOnSilentTerminal/$c" queries/op)" '<=' 0 "OSC 11, ESC[6n and the like: each waits for an answer"
		check "$c on a silent terminal, ms" "$(awk -v v="$(metric "StartupOnSilentTerminal/$c" ns/op)" 'BEGIN { if (v != "") printf "%.0f", v / 1e6 }')" '<=' 500 "well under a second"
	done
fi

# gas_table: issue 12's "gas table before and after in one run". mint/gasbench
# compiles the contract before issue 12 (genmint-v0) and today's, deploys both
# on one anvil and runs the same operations on each; every figure of today's
# must be at or below v0's (the test fails otherwise, and so does this).
gas_table() {
	echo "== gas: GenmintCollection before issue 12 (genmint-v0) and now, compiled and measured in one run on anvil"
	local status=0
	out=$(GENMINT_REQUIRE_TOOLS=1 go test ./mint/gasbench -run 'TestGasTable$' -count 1 -v 2>&1) || status=$?
	# The per-token table and the operations table, as the test logs them.
	sed -n '/other operations/,/^--- /p' <<<"$out" | grep -vE '^(=== |--- )|gas_test.go:[0-9]+: (gas per token|other operations)'
	if [[ $status != 0 ]]; then
		grep -E 'gas_test.go:[0-9]+: ' <<<"$out" | grep -vE 'other operations|gas per token' | tail -20
		missed+=("gas: TestGasTable failed (exit $status): a figure above genmint-v0's or a target missed")
	fi
	echo "  now ÷ before issue 12, same run:"
	# ratio NOW BEFORE: NOW ÷ BEFORE to 4 places, never shown as 1.0000 or
	# less when NOW is above BEFORE (gas is exact: one gas more is a miss).
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") exit; r = a / b; if (a > b && r < 1.0001) r = 1.0001; printf "%.4f", r }'; }
	# Operations table rows: NAME... BEFORE NOW DIFF.
	while IFS=$'\t' read -r name before now; do
		check "$name, gas now ÷ v0" "$(ratio "$now" "$before")" '<=' 1 "v0 $before, now $now"
	done < <(awk '/operation +genmint-v0 +genmint/ { on = 1; next }
		on && NF >= 4 && $(NF-2) ~ /^[0-9]+$/ { n = $1; for (i = 2; i <= NF - 3; i++) n = n " " $i; printf "%s\t%s\t%s\n", n, $(NF-2), $(NF-1); next }
		on { on = 0 }' <<<"$out")
	# Per-token table rows: N CONTRACT DEPLOY MINT ... WORST; deployment (N=1)
	# and, per N, the later-items mint and the worst first transfer.
	row() { awk -v n="$1" -v c="$2" -v f="$3" '$1 == n && $2 == c { print $f; exit }' <<<"$out"; }
	check "deployment (N=1), gas now ÷ v0" "$(ratio "$(row 1 genmint 3)" "$(row 1 genmint-v0 3)")" '<=' 1 "v0 $(row 1 genmint-v0 3), now $(row 1 genmint 3)"
	for n in 1 10 1000 10000; do
		check "mintBatch of $n (batches of 100), gas now ÷ v0" "$(ratio "$(row $n genmint-later 4)" "$(row $n genmint-v0-later 4)")" '<=' 1 "v0 $(row $n genmint-v0-later 4), now $(row $n genmint-later 4)"
		check "worst first transfer, N=$n, gas now ÷ v0" "$(ratio "$(row $n genmint 8)" "$(row $n genmint-v0 8)")" '<=' 1 "v0 $(row $n genmint-v0 8), now $(row $n genmint 8)"
	done
}

if [[ $what == all || $what == gas ]]; then
	gas_table
fi

if ((${#missed[@]})); then
	echo
	echo "bench: ${#missed[@]} missed:"
	printf '  %s\n' "${missed[@]}"
	exit 1
fi
echo
echo "bench: every target met"
