#!/bin/sh
# Installs the C interface of swift-rmm under PREFIX: include/swift_rmm.h and include/swift_rmm_linux.h,
# lib/libSwiftRMM.so (which finds the Swift runtime of the toolchain that built it through its RUNPATH) and
# lib/pkgconfig/swift-rmm.pc, so that a C project builds with
#   cc host.c $(pkg-config --cflags --libs swift-rmm)      (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig if needed)
#
#   Packaging/install.sh /usr/local             # release build
#   Packaging/install.sh /tmp/rmm -c debug      # extra arguments go to `swift build`
set -eu
prefix=${1:?usage: Packaging/install.sh PREFIX [swift build arguments]}
shift
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then set -- -c release; fi
swift build --product SwiftRMM "$@"
bin=$(swift build --show-bin-path "$@")
version=$(sed -n 's/.*static let tool = "\([^"]*\)".*/\1/p' Sources/rmm/Output/ToolVersion.swift | head -n 1)
install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 include/swift_rmm.h include/swift_rmm_linux.h "$prefix/include/"
install -m 755 "$bin/libSwiftRMM.so" "$prefix/lib/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|${version:-0}|" Packaging/swift-rmm.pc.in \
    >"$prefix/lib/pkgconfig/swift-rmm.pc"
echo "installed into $prefix"
