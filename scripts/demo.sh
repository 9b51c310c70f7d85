#!/usr/bin/env bash
# The demo. By default: builds the npm package and the portal, starts the emulator (no CORS) and the portal server
# (www/server/portal.mjs: the portal and createBrokerProxy on one origin, tokens from the emulator's Maskinporten)
# and prints one URL to open. `--terminal [size-in-MiB]`: the terminal demo instead (examples/demo.mjs: a sender
# sends a generated file with progress; the recipient finds it, streams it to disk, verifies, confirms).
# Usage: scripts/demo.sh [--terminal [size-in-MiB]]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/altinn-broker-client/target}"
export PATH="$PWD/js/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mode=portal
if [ "${1:-}" = --terminal ]; then
  mode=terminal
  shift
fi

scripts/setup.sh rust
scripts/setup.sh npm
echo "building the package (pkg/) and the emulator ..."
scripts/build-pkg.sh --release
# The emulator's own speed profile (Cargo.toml [profile.emulator]); `--release` is the wasm client's size profile.
cargo build --quiet --profile emulator -p altinn-broker-emulator
if [ "$mode" = portal ]; then
  echo "building the portal (www/) ..."
  scripts/build-www.sh
fi

data=$(mktemp -d)
out="$data/emulator.out"
# --allow-http-webhooks: a local webhook (http://127.0.0.1:…) may subscribe to the transfer's Altinn Events.
"$CARGO_TARGET_DIR/emulator/altinn-broker-emulator" --port 0 --data-dir "$data/db" --allow-http-webhooks \
  >"$out" 2>"$data/emulator.err" &
pid=$!
portal_pid=
trap 'kill $pid $portal_pid 2>/dev/null; wait $pid $portal_pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$out" 2>/dev/null && break
  sleep 0.1
done
url=$(head -1 "$out" | sed -E 's/^listening on //')
[ -n "$url" ] || { cat "$data/emulator.err" >&2; exit 1; }

if [ "$mode" = terminal ]; then
  echo "emulator at $url"
  BROKER_URL="$url" node examples/demo.mjs "${1:-64}"
  exit 0
fi

node www/server/portal.mjs --broker "$url" --port "${PORTAL_PORT:-0}" >"$data/portal.out" &
portal_pid=$!
for _ in $(seq 1 300); do
  grep -q '^portal at ' "$data/portal.out" 2>/dev/null && break
  kill -0 "$portal_pid" 2>/dev/null || { echo "the portal server stopped" >&2; exit 1; }
  sleep 0.1
done
site=$(head -1 "$data/portal.out" | sed -E 's/^portal at //')
[ -n "$site" ] || { echo "the portal server did not start" >&2; exit 1; }
echo
echo "  Open $site"
echo
echo "  (local emulator at $url; switch organisation at the top of the page; Ctrl-C stops everything)"
wait "$portal_pid"
