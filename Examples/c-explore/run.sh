#!/bin/sh
# Builds the two example loops as a kernel developer would build theirs (cc -shared -fPIC -Iinclude), then lets
# the explorer check them:
#   rmi_v14_shape.c  the loop in the shape the review discusses: the explorer finds its defects (exit 1 expected)
#   rmi_bounded.c    a bounded loop that reports its progress through out_top: clean (exit 0 expected)
#
#   Examples/c-explore/run.sh              # debug build of rmm
#   Examples/c-explore/run.sh -c release   # extra arguments go to `swift build`
#
# CC picks the C compiler (default cc). Exits 0 when both verdicts are the expected ones.
set -eu
cd "$(dirname "$0")/../.."
swift build --product rmm "$@"
rmm="$(swift build --show-bin-path "$@")/rmm"
out=Examples/c-explore/build
mkdir -p "$out"
for loop in rmi_v14_shape rmi_bounded; do
    "${CC:-cc}" -shared -fPIC -Wall -Wextra -Werror -Iinclude "Examples/c-explore/$loop.c" -o "$out/lib$loop.so"
done

echo "== rmi_v14_shape.c: rmi_delegate_range (defects expected)"
status=0
"$rmm" check host --c-library "$out/librmi_v14_shape.so" --symbol rmi_delegate_range \
    --shape linux-range --operation delegate || status=$?
if [ "$status" -ne 1 ]; then
    echo "expected exit 1 (violations) from the v14-shaped loop, got $status" >&2
    exit 1
fi

for direction in delegate undelegate; do
    echo
    echo "== rmi_bounded.c: rmi_${direction}_range, also against forbidden answers (clean expected)"
    "$rmm" check host --c-library "$out/librmi_bounded.so" --symbol "rmi_${direction}_range" \
        --shape linux-range-out --operation "$direction" --forbidden
done
