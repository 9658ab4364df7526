#!/usr/bin/env bash
# Builds the benchmark workloads to wasm32-unknown-unknown, copies them to
# benches/wasm/<name>.wasm, and regenerates benches/wasm/expected.txt and
# benches/wasm/README.md by running the same sources natively.
#
# Idempotent; runs from any working directory. Extra arguments go to both
# cargo builds (for example `-j1` on a busy machine).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/.." && pwd)/wasm"
target=wasm32-unknown-unknown

# Panic messages embed source paths; remap them so the modules do not depend
# on where this checkout or the cargo registry live.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="\
--remap-path-prefix=$cargo_home/registry/src=/cargo/registry/src \
--remap-path-prefix=$here=/workloads"

# `ahash` (used by rhai) takes compile-time random keys from `const-random`;
# a fixed seed makes those builds repeatable.
export CONST_RANDOM_SEED=tierwasm-workloads

cd "$here"
cargo build --release --target "$target" --examples "$@"

mkdir -p "$out"
examples="$here/target/$target/release/examples"
for src in "$here"/examples/*.rs; do
    name="$(basename "$src" .rs)"
    cp "$examples/$name.wasm" "$out/$name.wasm.tmp"
    mv "$out/$name.wasm.tmp" "$out/$name.wasm"
done

# Native run: checksums at the default n, import/export checks, sizes.
cargo run --release --bin expected "$@" -- "$out"
echo "wrote $(ls "$out"/*.wasm | wc -l) modules, expected.txt and README.md to $out"
