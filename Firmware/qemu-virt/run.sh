#!/usr/bin/env bash
# Builds the firmware for QEMU virt from the Embedded Swift build products and runs it:
#   boot ROM (-bios) -> EL3 (GPT, SMC dispatcher) -> RMM at Secure EL2 -> host at Non-secure EL2 on 4 CPUs.
# Exits 0 only when every host check passed; the last UART line reads "N passed, M failed".
# Needs the Swift toolchain (swiftc, clang, ld.lld) and qemu-system-aarch64; installs nothing.
#   OUT=<dir>      where the images go (default: Firmware/qemu-virt/out)
#   BUILD_ONLY=1   build the images, do not run them
#   SMP=<n>        CPUs for QEMU (default 4)
#   SWIFT_OPT=-Osize  build the Swift modules with this optimisation mode instead of CI's release -O (for
#                  the size figures; its own scratch directory, .build-embedded-Osize)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${OUT:-$here/out}
scratch=$repo/.build-embedded${SWIFT_OPT:+$SWIFT_OPT}
products=$scratch/aarch64-none-none-elf/release
mkdir -p "$out"

echo "==> Embedded Swift build of CCAArch, FirmwareSync, GranuleProtection, RMM ${SWIFT_OPT:-(release -O, as CI)}"
# The RMM does not depend on GranuleProtection (it reaches EL3 through SMCs), so each is built as a target.
for target in RMM GranuleProtection; do
    (cd "$repo" && swift build --triple aarch64-none-none-elf -c release --target "$target" \
        -Xswiftc -enable-experimental-feature -Xswiftc Embedded -Xswiftc -wmo ${SWIFT_OPT:+-Xswiftc $SWIFT_OPT} \
        -Xswiftc -Xfrontend -Xswiftc -function-sections --scratch-path "$scratch" | grep -vE '^(Building|Compiling|Write|\[)' || true)
done
# A module's current objects, from the compiler's output file map: objects of since-renamed sources that an older
# build left in the scratch directory would otherwise be linked twice.
objects() {
    grep -o '"object": "[^"]*"' "$products/$1.build/output-file-map.json" | sed 's/^"object": "//; s/"$//' |
        while read -r object; do if [ -f "$object" ]; then echo "$object"; fi; done
}
objects RMM >/dev/null && objects GranuleProtection >/dev/null

# The board's Swift (the port, boot, dispatcher) is small and off the hot path of the module code: -Osize.
# One section per function (also in the modules above): Embedded Swift emits a weak copy of every library function
# a firmware module uses into that module, and --gc-sections can then drop the copies the linker does not pick.
swift_flags=(-target aarch64-none-none-elf -enable-experimental-feature Embedded -wmo -Osize -parse-as-library
    -Xfrontend -function-sections -I "$products/Modules")
# C is general-registers only (EL3 and the RMM save FP/SIMD only where a world switch needs it); assembly is not.
as_flags=(--target=aarch64-none-elf -ffreestanding -nostdlib -Wall -Werror -I "$here/include" -I "$here/common")
c_flags=("${as_flags[@]}" -fno-builtin -O2 -mgeneral-regs-only -mstrict-align)
link() {  # link <image> <objects...>
    local image=$1
    shift
    clang -E -P -x c -I "$here/include" "$here/$image/link.ld" -o "$out/$image.ld"
    ld.lld -T "$out/$image.ld" --gc-sections -Map "$out/$image.map" -o "$out/$image.elf" "$@"
}

echo "==> Images"
clang "${as_flags[@]}" -c "$here/boot/reset.S" -o "$out/reset.o"
ld.lld --image-base=0 -Ttext=0 -o "$out/reset.elf" "$out/reset.o"
llvm-objcopy -O binary "$out/reset.elf" "$out/reset.bin"

for c in common/runtime.c common/mmu.c; do
    clang "${c_flags[@]}" -c "$here/$c" -o "$out/$(basename "$c" .c).o"
done
common=("$out/runtime.o" "$out/mmu.o")

swiftc "${swift_flags[@]}" -module-name EL3Firmware -c "$here/el3/EL3Firmware.swift" -o "$out/EL3Firmware.o"
clang "${as_flags[@]}" -c "$here/el3/entry.S" -o "$out/el3-entry.o"
clang "${c_flags[@]}" -c "$here/el3/platform.c" -o "$out/el3-platform.o"
link el3 "$out/el3-entry.o" "$out/el3-platform.o" "$out/EL3Firmware.o" "${common[@]}" \
    $(objects CCAArch) $(objects FirmwareSync) $(objects GranuleProtection)

swiftc "${swift_flags[@]}" -module-name RMMFirmware -c "$here/rmm/RMMFirmware.swift" -o "$out/RMMFirmware.o"
clang "${as_flags[@]}" -c "$here/rmm/entry.S" -o "$out/rmm-entry.o"
clang "${c_flags[@]}" -c "$here/rmm/platform.c" -o "$out/rmm-platform.o"
link rmm "$out/rmm-entry.o" "$out/rmm-platform.o" "$out/RMMFirmware.o" "${common[@]}" \
    $(objects CCAArch) $(objects FirmwareSync) $(objects RMM)

host_objects=()
for source in "$here"/host/*.c "$here"/host/*.S; do
    object=$out/host-$(basename "${source%.*}").o
    case $source in
    *.S) clang "${as_flags[@]}" -c "$source" -o "$object" ;;
    *) clang "${c_flags[@]}" -c "$source" -o "$object" ;;
    esac
    host_objects+=("$object")
done
link host "${host_objects[@]}" "${common[@]}"

for image in el3 rmm host; do  # section sizes (hex) of each image
    echo "$image.elf: $(llvm-objdump -h "$out/$image.elf" | awk '$2 ~ /^\.(text|rodata|data|bss)$/ { printf "%s 0x%s  ", $2, $3 }')"
done
[ -n "${BUILD_ONLY:-}" ] && exit 0

echo "==> QEMU (multi-threaded TCG: one host thread per vCPU): -M virt,secure=on,virtualization=on -cpu max -smp ${SMP:-4}"
status=0
timeout "${QEMU_TIMEOUT:-300}" qemu-system-aarch64 -M virt,secure=on,virtualization=on -cpu max -m 2G \
    -accel tcg,thread=multi \
    -smp "${SMP:-4}" -nographic -nic none -no-reboot -semihosting-config enable=on,target=native \
    -bios "$out/reset.bin" \
    -device loader,file="$out/el3.elf" -device loader,file="$out/rmm.elf" -device loader,file="$out/host.elf" \
    | tr -d '\r' | tee "$out/uart.log" || status=$?
last=$(grep -v '^$' "$out/uart.log" | tail -n 1)
if [ "$status" -eq 0 ] && [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
    exit 0
fi
echo "firmware run failed (QEMU status $status)" >&2
exit 1
