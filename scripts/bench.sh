#!/usr/bin/env bash
# The benchmark command (issue 12): builds what it needs, then runs bench/run.mjs — every row against a baseline
# measured in the same run, loopback only, bounded loops — printing a markdown table and writing
# bench/results/latest.{json,md}. Separate from scripts/test.sh (which runs only a quick smoke of it).
#
#   scripts/bench.sh [bench/run.mjs options: --only ROW,... --quick --rounds N --size KEY=MiB --no-fail --list]
#
# Builds (skipping what is present and current): the npm tools (js/, `npm ci`), the wasm target and wasm-pack,
# Chromium; the emulator's speed build (`cargo build --profile emulator`, a no-op when fresh); the release package into pkg/
# (`scripts/build-pkg.sh --release`), rebuilt when pkg/ is not a release build this script made or a source is
# newer than it. Exit status: 0 all budgets met, 1 a budget missed (unless --no-fail), 2 a row failed to measure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/altinn-broker-client/target}"
# Not js/node_modules/.bin: npm links the node22/node24 aliases' `node` there, and the run is on the machine's Node
# (build-pkg.sh puts it on its own PATH for wasm-opt).
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
started=$(date +%s)

scripts/setup.sh rust
scripts/setup.sh chromium
scripts/setup.sh npm

cargo build --profile emulator -p altinn-broker-emulator --locked

stamp=pkg/.bench-release
if [ -n "${CLIENT_PKG:-}" ]; then
  echo "bench: measuring the package at $CLIENT_PKG (CLIENT_PKG), not building pkg/"
elif [ ! -f "$stamp" ] || [ -n "$(find src core Cargo.toml Cargo.lock js/assemble-pkg.mjs js/package-lock.json scripts/build-pkg.sh -newer "$stamp" -type f -print -quit)" ]; then
  echo "bench: building the release package (scripts/build-pkg.sh --release)"
  scripts/build-pkg.sh --release
  # build-pkg.sh starts from an empty pkg/: this marks the result as the release build of these sources.
  date -u +%FT%TZ >"$stamp"
else
  echo "bench: pkg/ is the release build of the current sources ($(cat "$stamp"))"
fi

export EMULATOR_BIN="${EMULATOR_BIN:-$CARGO_TARGET_DIR/emulator/altinn-broker-emulator}"
rc=0
node bench/run.mjs "$@" || rc=$?
echo "bench: $(($(date +%s) - started)) s including builds"
exit "$rc"
