#!/usr/bin/env bash
# Builds the WASI benchmark guests (needs `rustup target add wasm32-wasip1 wasm32-wasip2`)
# and copies them to wasm/<name>-p1.wasm (core modules) and wasm/<name>-p2.wasm
# (components), which `benches/peers` (bin `wasi-peers`) runs. Idempotent; runs from any
# working directory. Extra arguments go to cargo (for example `-j1`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
# Panic messages embed source paths: keep the modules independent of this checkout.
flags="--remap-path-prefix=$rustup_home=/rustup --remap-path-prefix=$here=/guests"
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="$flags"
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="$flags"
cd "$here"
mkdir -p wasm
for p in 1 2; do
    cargo build --release --target "wasm32-wasip$p" "$@"
    for src in src/bin/*.rs; do
        name="$(basename "$src" .rs)"
        install -m 644 "target/wasm32-wasip$p/release/$name.wasm" "wasm/$name-p$p.wasm"
    done
done
echo "wrote $(ls wasm/*.wasm | wc -l) modules and components to $here/wasm"
