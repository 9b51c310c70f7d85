#!/usr/bin/env bash
# Builds the npm package into pkg/ (one package for bundlers, browsers, workers and Node; see js/assemble-pkg.mjs).
# Usage: scripts/build-pkg.sh [--release|--dev]; PKG_OUT=dir puts it elsewhere (scripts/test.sh's package-size step).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:---release}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/altinn-broker-client/target}"
# npm's binaryen first: Debian's wasm-opt produces wasm that fails at init (WebAssembly.Table.set(): ... function-typed object).
export PATH="$PWD/js/node_modules/.bin:$PATH"
out=${PKG_OUT:-pkg}
rm -rf "$out"
# `-p` keeps cargo from building the emulator (a native-only default member) for wasm.
wasm-pack --quiet build --mode no-install --target web --out-dir "$out" "$profile" . -- -p altinn-broker-client
node js/assemble-pkg.mjs "$out"
