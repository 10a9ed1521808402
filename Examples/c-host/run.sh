#!/bin/sh
# Builds the SwiftRMM dynamic library, compiles host.c against it with the system C compiler, and runs it.
#
#   Examples/c-host/run.sh              # debug build
#   Examples/c-host/run.sh -c release   # extra arguments go to `swift build`
#
# CC picks the C compiler (default cc). Exits with the host's status: 0 when every check passed.
set -eu
cd "$(dirname "$0")/../.."
swift build --product SwiftRMM "$@"
bin=$(swift build --show-bin-path "$@")
out=Examples/c-host/build
mkdir -p "$out"
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -Iinclude Examples/c-host/host.c -o "$out/host" \
    -L"$bin" -lSwiftRMM -Wl,-rpath,"$bin"
"$out/host"
