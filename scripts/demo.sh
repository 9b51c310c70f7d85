#!/usr/bin/env bash
# The demo: builds the npm package, starts the emulator, and runs examples/demo.mjs (a sender sends a generated
# file with progress; the recipient finds it, streams it to disk, verifies, confirms; the timeline is printed).
# Usage: scripts/demo.sh [size-in-MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/altinn-broker-client/target}"
export PATH="$PWD/js/node_modules/.bin:$HOME/.cargo/bin:$PATH"

scripts/setup.sh rust
scripts/setup.sh npm
echo "building the package (pkg/) and the emulator ..."
scripts/build-pkg.sh --release
cargo build --quiet --release -p altinn-broker-emulator

data=$(mktemp -d)
out="$data/emulator.out"
# --allow-http-webhooks: a local webhook (http://127.0.0.1:…) may subscribe to the transfer's Altinn Events.
"$CARGO_TARGET_DIR/release/altinn-broker-emulator" --port 0 --data-dir "$data/db" --allow-http-webhooks \
  >"$out" 2>"$data/emulator.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$out" 2>/dev/null && break
  sleep 0.1
done
url=$(head -1 "$out" | sed -E 's/^listening on //')
[ -n "$url" ] || { cat "$data/emulator.err" >&2; exit 1; }
echo "emulator at $url"
BROKER_URL="$url" node examples/demo.mjs "${1:-64}"
