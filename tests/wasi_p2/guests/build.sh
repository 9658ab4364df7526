#!/usr/bin/env bash
# Builds the WASI 0.2 guest programs (needs `rustup target add wasm32-wasip2`) and copies
# them to tests/wasi_p2/<name>.wasm, which tests/wasi_p2.rs runs. Idempotent; runs from
# any working directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/.." && pwd)"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="\
--remap-path-prefix=$rustup_home=/rustup \
--remap-path-prefix=$here=/guests"
cd "$here"
cargo build --release --target wasm32-wasip2 "$@"
for src in src/bin/*.rs; do
    name="$(basename "$src" .rs)"
    cp "target/wasm32-wasip2/release/$name.wasm" "$out/$name.wasm"
done
echo "wrote $(ls "$out"/*.wasm | wc -l) components to $out"
