#!/usr/bin/env bash
# Flame graphs of the SMC path (BENCHMARKS.md, "The SMC path"): records SMCPathLoop with perf and draws one SVG
# per call shape with Brendan Gregg's FlameGraph scripts.
#
#   Benchmarks/flamegraph.sh OUTPUT_PREFIX [LOOP_BINARY]
#
# Writes OUTPUT_PREFIX-MODE.svg for each mode of SMCPathLoop in MODES (default "skipped pair"; the loop also has
# "c-skipped" and "c-pair", the same calls through the C interface, and "el3-pair", EL3's half of the pair alone).
# LOOP_BINARY defaults to this checkout's release build of SMCPathLoop (built here when missing); pass another
# checkout's binary to draw its "before" graphs.
# Needs perf (Debian: linux-perf) and the FlameGraph scripts (stackcollapse-perf.pl, flamegraph.pl) in
# FLAMEGRAPH_DIR (default: ~/FlameGraph; https://github.com/brendangregg/FlameGraph). Neither is needed by CI.
# SKIPPED_COUNT and PAIR_COUNT set the loop lengths (default 5,000,000 calls and 1,000,000 pairs; an old build whose
# pair costs microseconds wants fewer).
set -euo pipefail
cd "$(dirname "$0")"

prefix=${1:?usage: Benchmarks/flamegraph.sh OUTPUT_PREFIX [LOOP_BINARY]}
case "$prefix" in /*) ;; *) prefix="$OLDPWD/$prefix" ;; esac
flamegraph_dir=${FLAMEGRAPH_DIR:-$HOME/FlameGraph}
for script in stackcollapse-perf.pl flamegraph.pl; do
    [ -x "$flamegraph_dir/$script" ] || { echo "flamegraph.sh: $flamegraph_dir/$script not found (set FLAMEGRAPH_DIR)" >&2; exit 1; }
done
command -v perf >/dev/null || { echo "flamegraph.sh: perf not found (Debian package linux-perf)" >&2; exit 1; }

loop=${2:-}
if [ -z "$loop" ]; then
    swift build -c release --product SMCPathLoop >/dev/null
    loop="$(swift build -c release --show-bin-path)/SMCPathLoop"
fi

data=$(mktemp)
trap 'rm -f "$data"' EXIT
for mode in ${MODES:-skipped pair}; do
    case "$mode" in *pair) count=${PAIR_COUNT:-1000000} ;; *) count=${SKIPPED_COUNT:-5000000} ;; esac
    perf record -F 4999 -g -o "$data" "$loop" "$mode" "$count" 2>/dev/null
    # Swift symbols demangled after folding (the folded lines keep one frame per ';').
    perf script -i "$data" 2>/dev/null | "$flamegraph_dir/stackcollapse-perf.pl" | swift demangle --simplified |
        "$flamegraph_dir/flamegraph.pl" --title "SMC path: $mode ($(basename "$loop"))" --width 1600 >"$prefix-$mode.svg"
    echo "wrote $prefix-$mode.svg"
done
