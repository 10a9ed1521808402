#!/usr/bin/env bash
# Fuzz/coverage.sh [--fuzz-only] [--found]: line, region and function coverage of Sources/RMM and
# Sources/GranuleProtection (llvm-cov; Swift emits no branch regions, so llvm-cov's branch columns stay empty)
#   1. reached by the fuzz corpus: the libFuzzer target built with -profile-generate -profile-coverage-mapping (debug,
#      no AddressSanitizer, scratch Fuzz/.build-coverage) runs every file of Fuzz/corpus and Fuzz/regressions once
#      (with --found, also what Fuzz/run.sh found, Fuzz/.build/corpus); then the failure returns of Sources/RMM the
#      corpus never reached are listed, file:line and source;
#   2. reached by `swift test --enable-code-coverage` (scratch .build-coverage in the root; a full build and test run,
#      skipped with --fuzz-only).
# The figures are in BENCHMARKS.md ("Coverage"); docs/fuzzing.md explains them.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
fuzz_only=false
found=false
for argument in "$@"; do
    case $argument in
        --fuzz-only) fuzz_only=true ;;
        --found) found=true ;;
        *) echo "usage: Fuzz/coverage.sh [--fuzz-only] [--found]" >&2; exit 2 ;;
    esac
done

# The toolchain's own LLVM tools: a system llvm-profdata may not read the profile format Swift's LLVM writes.
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
llvm_cov=$toolchain/llvm-cov
llvm_profdata=$toolchain/llvm-profdata
[ -x "$llvm_cov" ] || llvm_cov=$(command -v llvm-cov)
[ -x "$llvm_profdata" ] || llvm_profdata=$(command -v llvm-profdata)
sources=("$root/Sources/RMM" "$root/Sources/GranuleProtection")

# The TOTAL line of llvm-cov report over each source directory, as "regions, functions, lines" percentages.
summary() { # binary profile label
    for directory in "${sources[@]}"; do
        "$llvm_cov" report "$1" -instr-profile="$2" "$directory" | awk -v label="$3" -v dir="${directory#"$root"/}" '
            /^TOTAL/ { printf "%-22s %-26s regions %7s  functions %7s  lines %7s  (%s of %s lines)\n",
                       label, dir, $4, $7, $10, $8 - $9, $8 }'
    done
}

echo "==> Coverage by the fuzz corpus"
build=(swift build -c debug --scratch-path .build-coverage --sanitize fuzzer -Xswiftc -sanitize=fuzzer
    -Xswiftc -profile-generate -Xswiftc -profile-coverage-mapping)
"${build[@]}" 2>&1 | grep -E "error|Build complete" || true
target=$("${build[@]}" --show-bin-path)/SMCFuzzTarget
profiles=$(mktemp -d)
inputs=(corpus/* regressions/*)
if $found && [ -d .build/corpus ]; then inputs+=(.build/corpus/*); fi
LLVM_PROFILE_FILE="$profiles/fuzz-%p.profraw" "$target" "${inputs[@]}" >"$profiles/run.log" 2>&1 ||
    { tail -n 20 "$profiles/run.log"; exit 1; }
"$llvm_profdata" merge -sparse "$profiles"/fuzz-*.profraw -o "$profiles/fuzz.profdata"
summary "$target" "$profiles/fuzz.profdata" "fuzz corpus (${#inputs[@]} files)"

echo
echo "==> Failure returns in Sources/RMM the fuzz corpus never reached"
"$llvm_cov" show "$target" -instr-profile="$profiles/fuzz.profdata" "$root/Sources/RMM" -format=text \
    -show-line-counts-or-regions 2>/dev/null | awk -v root="$root/" '
    /^\/.*\.swift:$/ { file = substr($0, 1, length($0) - 1); sub(root, "", file); next }
    {
        split($0, columns, "|")
        count = columns[2]; gsub(/ /, "", count)
        if (count == "0" && columns[3] ~ /(result\(\.(error|busy|blocked)|RMIStatusError\(|throw |fatal\()/) {
            line = columns[1]; gsub(/ /, "", line)
            text = columns[3]; sub(/^ +/, "", text)
            printf "  %s:%s  %s\n", file, line, text
        }
    }'

if ! $fuzz_only; then
    echo
    echo "==> Coverage by swift test"
    (cd "$root" && swift test --enable-code-coverage --scratch-path .build-coverage >"$profiles/test.log" 2>&1) ||
        { tail -n 40 "$profiles/test.log"; exit 1; }
    codecov=$(cd "$root" && swift test --scratch-path .build-coverage --show-codecov-path)
    tests=$(find -L "$root/.build-coverage/debug" -maxdepth 1 -name '*PackageTests.xctest' | head -n 1)
    summary "$tests" "$(dirname "$codecov")/default.profdata" "swift test"
fi
rm -rf "$profiles"
