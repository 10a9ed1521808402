#!/usr/bin/env bash
# The measures of issue 17 (docs/architecture.md, "Measures of the house") for one checkout: public declarations per
# library module, the sizes of the release build products, and the sizes of the Embedded build products.
#
#   [SYMBOL_LIST=FILE] Benchmarks/house-measures.sh [CHECKOUT]
#
# CHECKOUT defaults to this script's checkout; pass another (a `git worktree add DIR COMMIT`) to measure an older
# commit with this script. Everything is built there, in its own .build and .build-embedded (the firmware images in a
# temporary directory); nothing is run. Minutes the first time (a debug, a release and an Embedded build).
# - Public declarations: Swift's symbol graph (`swift package dump-symbol-graph --minimum-access-level public
#   --skip-synthesized-members`: members inherited from protocol default implementations or superclasses are not
#   counted), public and open symbols per library module, with the members a module adds to other modules' types.
#   `package` declarations are not public API: they are counted apart, from a second graph at package level.
#   SYMBOL_LIST=FILE also writes every public symbol (module, kind, path), to compare two checkouts with comm.
# - Release: `swift build -c release` of the rmm tool and of the C library products; file sizes, and the rmm tool and
#   the shared library again after llvm-strip.
# - Embedded: the checkout's own "Embedded Swift build" step of .ci/run (its flags), then per module the bytes of its
#   current objects as llvm-size counts them; then the checkout's Firmware/qemu-virt/run.sh with BUILD_ONLY=1 and
#   each image's .text + .rodata (as BENCHMARKS.md quotes them).
# Needs the Swift toolchain (with clang and ld.lld), jq, llvm-size, llvm-strip and llvm-objdump.
set -euo pipefail
checkout=$(cd "${1:-$(dirname "$0")/..}" && pwd)
case ${SYMBOL_LIST:-/} in /*) ;; *) SYMBOL_LIST=$PWD/$SYMBOL_LIST ;; esac
cd "$checkout"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "checkout: $checkout at $(git rev-parse --short HEAD) ($(git log -1 --format=%s | cut -c1-60))"
echo "machine: $(nproc) cores $(uname -m), $(swift --version 2>&1 | grep -o 'Swift version [^ ]*')"

# Library targets of the package, by `swift package describe` (Swift and C targets apart).
description=$(swift package describe --type json)
swift_libraries=$(jq -r '.targets[] | select(.type == "library" and .module_type == "SwiftTarget") | .name' \
    <<<"$description" | sort)
c_libraries=$(jq -r '.targets[] | select(.type == "library" and .module_type != "SwiftTarget") | .name' \
    <<<"$description" | sort | paste -sd ' ' -)

echo
echo "== Public declarations (symbol graph: public and open, synthesized members skipped)"
# SwiftPM also tries the test modules it synthesises (swift-rmmPackageTests) and fails on them, after writing the
# library modules' graphs: its exit status is not used; every library module's graph must be there instead.
graphs=$(dirname "$(swift build --show-bin-path)")/symbolgraph
dump() {  # dump <minimum access level>: the graphs into $scratch/<level>
    rm -rf "$graphs"
    swift package dump-symbol-graph --minimum-access-level "$1" --skip-synthesized-members >"$scratch/graph.log" 2>&1 ||
        true
    for module in $swift_libraries; do
        [ -f "$graphs/$module.symbols.json" ] && continue
        echo "house-measures.sh: no symbol graph for $module at $1 access" >&2
        tail -n 40 "$scratch/graph.log" >&2
        exit 1
    done
    mv "$graphs" "$scratch/$1"
}
dump public
dump package
graph_files() {  # graph_files <level> <module> [extensions]: the module's graphs, or only its extensions' (to others)
    local file
    if [ "${3:-}" != extensions ]; then echo "$scratch/$1/$2.symbols.json"; fi
    for file in "$scratch/$1/$2"@*.symbols.json; do
        if [ -f "$file" ]; then echo "$file"; fi
    done
}
count() {  # count <level> <module> <jq filter on one symbol> [extensions]
    local files
    mapfile -t files < <(graph_files "$1" "$2" "${4:-}")
    [ ${#files[@]} -gt 0 ] || { echo 0; return; }
    jq -s "[.[].symbols[] | select($3)] | length" "${files[@]}"
}
public='.accessLevel == "public" or .accessLevel == "open"'
types='IN("swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.typealias", "swift.actor")'
[ -z "${SYMBOL_LIST:-}" ] || : >"$SYMBOL_LIST"
printf "  %-18s %11s %6s %6s %11s %8s\n" module public+open open types extensions package
total=0 package_total=0
for module in $swift_libraries; do
    all=$(count public "$module" "$public")
    package=$(count package "$module" '.accessLevel == "package"')
    printf "  %-18s %11d %6d %6d %11d %8d\n" "$module" "$all" "$(count public "$module" '.accessLevel == "open"')" \
        "$(count public "$module" "($public) and (.kind.identifier | $types)")" \
        "$(count public "$module" "$public" extensions)" "$package"
    total=$((total + all)) package_total=$((package_total + package))
    if [ -n "${SYMBOL_LIST:-}" ]; then
        graph_files public "$module" | xargs jq -r --arg name "$module" ".symbols[] | select($public) |
            [\$name, .kind.identifier, (.pathComponents | join(\".\"))] | @tsv" >>"$SYMBOL_LIST"
    fi
done
[ -z "${SYMBOL_LIST:-}" ] || LC_ALL=C sort -o "$SYMBOL_LIST" "$SYMBOL_LIST"
printf "  %-18s %11d %35d\n" total "$total" "$package_total"
echo "  (types: the public types and type aliases among public+open; extensions: the members among them added to"
echo "  other modules' types; package: declarations at package access, not public API, from a second graph at that"
echo "  level. C targets have no symbol graph: ${c_libraries:-none})"
if [ -d Sources/SwiftRMMC ]; then
    echo "  C functions exported by SwiftRMMC (@_cdecl): $(cat Sources/SwiftRMMC/*.swift | grep -c '@_cdecl(')"
fi

echo
echo "== Release build (swift build -c release), bytes"
library_products=$(jq -r '.products[] | select(.type | has("library")) | select(.targets == ["SwiftRMMC"]) | .name' \
    <<<"$description")
for product in rmm $library_products; do
    swift build -c release --product "$product" >"$scratch/build.log" 2>&1 ||
        { tail -n 40 "$scratch/build.log" >&2; exit 1; }
done
bin=$(swift build -c release --show-bin-path)
for file in "$bin/rmm" "$bin"/lib*.so "$bin"/lib*.a; do
    [ -f "$file" ] || continue
    case $file in
    *.a) printf "  %-28s %10d\n" "$(basename "$file")" "$(stat -c %s "$file")" ;;
    *)
        llvm-strip -o "$scratch/stripped" "$file"
        printf "  %-28s %10d  stripped %10d\n" "$(basename "$file")" "$(stat -c %s "$file")" \
            "$(stat -c %s "$scratch/stripped")"
        ;;
    esac
done

echo
echo "== Embedded build (.ci/run's \"Embedded Swift build\" step: aarch64-none-none-elf, release), bytes"
step=$(sed -n '/^step "Embedded Swift build/,/^done$/p' .ci/run | sed 1d)
[ -n "$step" ] || { echo "house-measures.sh: no Embedded Swift build step in .ci/run" >&2; exit 1; }
bash -c "set -euo pipefail; $step" >"$scratch/embedded.log" 2>&1 || { tail -n 40 "$scratch/embedded.log" >&2; exit 1; }
echo "  flags: $(grep -o '\-Xswiftc.*' <<<"$step" | tr -d '\\' | tr -s ' \n' ' ' | sed 's/ *--scratch-path.*//')"
products=.build-embedded/aarch64-none-none-elf/release
printf "  %-18s %8s %8s %8s %9s\n" module text data bss objects
for map in "$products"/*.build/output-file-map.json; do
    module=$(basename "$(dirname "$map")" .build)
    # The module's current objects, from the compiler's output file map (as Firmware/qemu-virt/run.sh).
    mapfile -t objects < <(jq -r '.[] | .object? // empty' "$map" | while read -r o; do [ -f "$o" ] && echo "$o"; done)
    [ ${#objects[@]} -gt 0 ] || continue
    llvm-size --totals "${objects[@]}" | awk -v m="$module" -v n=${#objects[@]} \
        '$NF == "(TOTALS)" { printf "  %-18s %8d %8d %8d %9d\n", m, $1, $2, $3, n }'
done
echo "  (llvm-size's text includes read-only data)"

echo
echo "== Firmware images (Firmware/qemu-virt/run.sh, BUILD_ONLY=1), bytes"
if [ -x Firmware/qemu-virt/run.sh ]; then
    BUILD_ONLY=1 OUT="$scratch/firmware" Firmware/qemu-virt/run.sh >"$scratch/firmware.log" 2>&1 ||
        { tail -n 40 "$scratch/firmware.log" >&2; exit 1; }
    printf "  %-10s %8s %8s %8s %8s %9s\n" image .text .rodata .data .bss text+ro
    for image in rmm el3 host; do
        [ -f "$scratch/firmware/$image.elf" ] || continue
        text=0 rodata=0 data=0 bss=0
        while read -r _ name hex _; do
            case $name in
            .text) text=$((16#$hex)) ;;
            .rodata) rodata=$((16#$hex)) ;;
            .data) data=$((16#$hex)) ;;
            .bss) bss=$((16#$hex)) ;;
            esac
        done < <(llvm-objdump -h "$scratch/firmware/$image.elf")
        printf "  %-10s %8d %8d %8d %8d %9d\n" "$image.elf" "$text" "$rodata" "$data" "$bss" $((text + rodata))
    done
else
    echo "  (no Firmware/qemu-virt/run.sh in this checkout)"
fi
