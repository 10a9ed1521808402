#!/usr/bin/env bash
# Fuzz/run.sh SECONDS [libFuzzer options...]: builds the libFuzzer target over the SMC interface (release,
# libFuzzer with AddressSanitizer, every module instrumented for coverage), runs it for SECONDS on the seed corpus
# (Fuzz/corpus), the regression inputs (Fuzz/regressions) and what earlier runs found (Fuzz/.build/corpus), with
# the dictionary Fuzz/smc.dict, and prints executions per second, corpus size and coverage as its last line.
# Exit status 0 only if nothing crashed; a crash leaves its input in Fuzz/.build/artifacts/ (replay it with
# `swift run rmm check fuzz --input FILE --verbose`). docs/fuzzing.md explains the target and its oracle.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:?usage: Fuzz/run.sh SECONDS [libFuzzer options...]}
shift
case $seconds in '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac

# Every module gets AddressSanitizer and edge counters for libFuzzer; comparison tracing (trace-cmp, which
# -sanitize=fuzzer adds) only the target's own: in the RMM's and the GPT's loops over every granule, which the
# oracle runs once a step (twice before it carried its state), it took two thirds of the time (perf), for a 7x
# slower run.
build=(swift build -c release --sanitize fuzzer --sanitize address
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table)
mkdir -p .build
"${build[@]}" >.build/build.log 2>&1 || { grep -E "error" .build/build.log | head -n 20; echo "run.sh: the build failed" >&2; exit 1; }
grep -E "Build complete" .build/build.log || true
target=$("${build[@]}" --show-bin-path)/SMCFuzzTarget
test -x "$target" || { echo "run.sh: the build did not produce $target" >&2; exit 1; }

found=.build/corpus
artifacts=.build/artifacts
log=.build/fuzz.log
mkdir -p "$found" "$artifacts"
rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*

# The first directory collects new inputs; the others are read. -max_len: a program has at most 96 steps.
status=0
"$target" "$found" corpus regressions -dict=smc.dict -max_total_time="$seconds" -max_len=4096 -timeout=60 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" >"$log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$log" | tail -n 1 || true)
coverage=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+).*/\1 edges, \2 features/p' <<<"$done_line")
corpus=$(find "$found" corpus regressions -type f | wc -l | tr -d ' ')
crashes=$(find "$artifacts" -type f | wc -l | tr -d ' ')

if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    grep -E "SMC oracle violation|SMC fuzz target|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY" "$log" | head -n 20 || true
    ls "$artifacts"
    echo "fuzz: FAILED after ${execs:-0} executions (libFuzzer exit $status, $crashes crash input(s) in Fuzz/$artifacts)"
    exit 1
fi
echo "fuzz: ${seconds} s, ${execs:-0} executions, ${rate:-0} exec/s, corpus ${corpus} inputs, coverage ${coverage:-unknown}"
