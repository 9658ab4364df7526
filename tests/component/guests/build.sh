#!/usr/bin/env bash
# Builds the guest components (needs `rustup target add wasm32-wasip2`) and copies
# them to tests/components/<name>.wasm, which the tests read (committed, so the tests
# need no wasm target). Idempotent; runs from any working directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/.." && pwd)"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="\
--remap-path-prefix=$cargo_home/registry/src=/cargo/registry/src \
--remap-path-prefix=$here=/guests"
cd "$here"
cargo build --release --target wasm32-wasip2 --examples "$@"
for name in greeter joiner; do
    cp "target/wasm32-wasip2/release/examples/$name.wasm" "$out/$name.wasm"
done
echo "wrote $(ls "$out"/*.wasm | wc -l) components to $out"
