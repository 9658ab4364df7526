#!/usr/bin/env bash
# Builds benches/wasm/quickjs.wasm: the QuickJS JavaScript engine (Fabrice
# Bellard's, pinned below) with run.c as its entry, evaluating bench.js. Then
# builds the same sources natively, computes run(N)'s checksum, and writes the
# `quickjs N checksum` line of benches/wasm/expected.txt (benches/workloads/build.sh
# rewrites that file without it: run this script after it).
#
# Needs clang, wasm-ld and wasi-libc (Debian/Ubuntu: `apt-get install clang lld
# wasi-libc`), a host C compiler (cc), python3, and a QuickJS source tree at the
# pinned commit:  build.sh PATH/TO/quickjs   (or QUICKJS_SRC=PATH build.sh)
set -euo pipefail

COMMIT=d73189dd5a582c19c565774bd56fed4e72d33c99   # bellard/quickjs, 2026-05-21
N=${N:-20}                                         # the default n in expected.txt

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/../.." && pwd)/wasm"
src="${1:-${QUICKJS_SRC:?give the QuickJS source tree as the first argument or QUICKJS_SRC}}"
if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
    head="$(git -C "$src" rev-parse HEAD)"
    [ "$head" = "$COMMIT" ] || { echo "error: $src is at $head, expected $COMMIT" >&2; exit 1; }
fi
sysroot_inc=${WASI_INCLUDE:-/usr/include/wasm32-wasi}
sysroot_lib=${WASI_LIB:-/usr/lib/wasm32-wasi}
clang_inc="$(clang -print-resource-dir)/include"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$src"/*.c "$src"/*.h "$work"/
# Atomics need threads and the stack check needs getrlimit; wasi has neither.
sed -i 's/^#if !defined(__EMSCRIPTEN__)$/#if !defined(__EMSCRIPTEN__) \&\& !defined(__wasi__)/' "$work/quickjs.c"
grep -c '!defined(__wasi__)' "$work/quickjs.c" | grep -qx 2 || { echo "error: the patch to quickjs.c no longer applies" >&2; exit 1; }
python3 - "$here/bench.js" "$work/bench_js.c" <<'PY'
import sys
js = open(sys.argv[1], 'rb').read()
body = ",".join(str(b) for b in js + b"\0")
open(sys.argv[2], "w").write("const char bench_js[] = {" + body + "};\n")
PY
sources=(quickjs.c libregexp.c libunicode.c cutils.c dtoa.c bench_js.c)
flags=(-O2 -I. -D_GNU_SOURCE -DCONFIG_VERSION='"'"$COMMIT"'"')

(cd "$work" && clang --target=wasm32-wasi -nostdinc -isystem "$clang_inc" -isystem "$sysroot_inc" \
    -I"$here/compat" -L"$sysroot_lib" "${flags[@]}" -mexec-model=reactor -Wl,--strip-all \
    -o quickjs.wasm "$here/run.c" "$here/wasi_stubs.c" "${sources[@]}")

# The native twin: the same sources and script, for the expected checksum.
cat > "$work/main.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
long long run(int n);
int main(int argc, char **argv) { printf("%lld\n", run(atoi(argv[1]))); return 0; }
C
(cd "$work" && cc "${flags[@]}" -o native main.c "$here/run.c" "${sources[@]}" -lm -lpthread)
sum="$("$work/native" "$N")"

cp "$work/quickjs.wasm" "$out/quickjs.wasm"
grep -v '^quickjs ' "$out/expected.txt" > "$work/expected.txt" || true
echo "quickjs $N $sum" >> "$work/expected.txt"
cp "$work/expected.txt" "$out/expected.txt"
echo "wrote $out/quickjs.wasm ($(wc -c < "$out/quickjs.wasm") bytes); quickjs $N $sum"
