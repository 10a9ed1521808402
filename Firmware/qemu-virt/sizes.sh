#!/usr/bin/env bash
# Bytes per module and output section of each image, from the linker maps run.sh leaves in out/.
#   Firmware/qemu-virt/sizes.sh [out-dir]
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)/out}
for image in el3 rmm host; do
    echo "$image.elf (bytes)"
    printf "  %-20s %8s %8s %8s %8s %9s\n" module .text .rodata .data .bss text+ro
    rows=$(awk '
        function hex(s,    n, i, c) {
            n = 0
            for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(tolower(s), i, 1)) - 1; n = n * 16 + c }
            return n
        }
        # Output sections: 5 fields ending in the name. Input sections: the object, then ":(section)".
        NF == 5 && $5 ~ /^\./ { section = $5 }
        NF == 5 && $5 ~ /:\(/ && section ~ /^\.(text|rodata|data|bss)$/ {
            object = $5
            sub(/:\(.*/, "", object)
            # A Swift module of the package: name it by its .build directory; else by the object file.
            if (match(object, /[A-Za-z]+\.build\//)) object = substr(object, RSTART, RLENGTH - 7)
            else { sub(/.*\//, "", object); sub(/\.o$/, "", object) }
            size[object, section] += hex($3)
            objects[object] = 1
        }
        END {
            for (object in objects) {
                t = size[object, ".text"]; r = size[object, ".rodata"]; d = size[object, ".data"]; b = size[object, ".bss"]
                printf "  %-20s %8d %8d %8d %8d %9d\n", object, t, r, d, b, t + r
            }
        }' "$out/$image.map" | sort -k6,6nr)
    echo "$rows"
    echo "$rows" | awk '{ t += $2; r += $3; d += $4; b += $5 }
        END { printf "  %-20s %8d %8d %8d %8d %9d\n", "total", t, r, d, b, t + r }'
done

# Generic code is specialised in the module that uses it (the RMM's RealmManagementMonitor<FirmwarePort> is
# emitted in RMMFirmware.o), so the objects above do not say what each Swift module costs. Symbol names do: a
# Swift symbol's mangling starts with the module it belongs to, wherever it was emitted. Code between two
# symbols (merged and outlined functions, padding) counts for the symbol before it.
for image in el3 rmm; do
    echo "$image.elf by the module in each symbol's name (bytes)"
    printf "  %-20s %8s %8s %9s\n" module text rodata text+ro
    llvm-nm -n --defined-only "$out/$image.elf" | awk -v text_end="$(llvm-objdump -h "$out/$image.elf" |
        awk '$2 == ".text" { print $3, $4 }')" '
        function hex(s,    n, i) {
            n = 0
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1
            return n
        }
        function owner(name,    digits) {
            if (name ~ /^\$[es]s/ || name ~ /^_?swift_/) return "Swift stdlib+runtime"
            if (match(name, /^\$[es][0-9]+/)) {
                digits = substr(name, 3, RLENGTH - 2)
                return substr(name, RLENGTH + 1, digits + 0)
            }
            return "C and assembly"
        }
        function close_previous(address) {
            if (previous_kind == "text" && address > end_of_text) address = end_of_text
            if (previous != "") { size[previous, previous_kind] += address - previous_address; modules[previous] = 1 }
            previous = ""
        }
        BEGIN { split(text_end, t, " "); end_of_text = hex(t[2]) + hex(t[1]) }
        NF == 3 {
            address = hex($1); kind = tolower($2)
            column = kind == "t" || kind == "w" ? "text" : kind == "r" ? "rodata" : ""
            if (column == "" ) { close_previous(address); next }
            close_previous(address)
            previous = owner($3); previous_kind = column; previous_address = address
        }
        END {
            close_previous(previous_kind == "text" ? end_of_text : previous_address)
            for (m in modules)
                printf "  %-20s %8d %8d %9d\n", m, size[m, "text"], size[m, "rodata"], size[m, "text"] + size[m, "rodata"]
        }' | sort -k1,1 -s
done
