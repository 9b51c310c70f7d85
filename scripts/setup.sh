#!/usr/bin/env bash
# Installs everything the demo and the tests need on a fresh machine, and skips what is already present.
# Only the package registries are reachable here, so every tool comes from crates.io, Debian or npm.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# The exact wasm-bindgen version the client links against: wasm-pack only uses a wasm-bindgen CLI of that version.
wasm_bindgen_version() {
  if [ -f Cargo.lock ]; then
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
  fi
}

ensure_rust() {
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      log "adding rustup component $component"
      rustup component add "$component"
    fi
  done
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  local want
  want=$(wasm_bindgen_version)
  want=${want:-0.2.130}
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (matches Cargo.lock)"
    # --locked first for reproducibility; a lockfile pin the registry no longer serves (a yanked crate) falls
    # back to a fresh resolution of the same wasm-bindgen-cli version.
    cargo install wasm-bindgen-cli --version "$want" --locked --force ||
      cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if ! command -v wasm-pack >/dev/null 2>&1; then
    log "installing wasm-pack"
    cargo install wasm-pack --version 0.15.1 --locked || cargo install wasm-pack --version 0.15.1
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    log "installing Debian chromium + chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# Firefox ESR and geckodriver for the client's wasm tests in Firefox (wasm-bindgen-test-runner drives it through
# geckodriver). Debian's firefox-esr; geckodriver from crates.io, pinned so CI drives the browser the same way each run.
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  if ! command -v firefox-esr >/dev/null 2>&1; then
    log "installing Debian firefox-esr"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq firefox-esr >/dev/null
  fi
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
    log "installing geckodriver $GECKODRIVER_VERSION"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
  fi
}

ensure_npm() {
  # One committed lockfile for every JS tool the tests use (wasm-opt, tsc, workerd, tus-js-client, ...).
  if [ -f js/package-lock.json ]; then
    if [ ! -d js/node_modules ] || [ js/package-lock.json -nt js/node_modules/.package-lock.json ]; then
      log "installing npm packages from js/package-lock.json"
      # npm 11 writes only this platform's entries of rollup's optional native packages into the lockfile and
      # then `npm ci` refuses that same lockfile as out of sync; `npm install --no-save` installs the locked
      # versions without touching the lockfile.
      (cd js && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null ||
        npm install --no-save --no-audit --no-fund --loglevel=error; })
    fi
  fi
}

# Schemathesis (PyPI) for scripts/schemathesis.sh, in a venv of its own so no system Python package is touched.
# Pinned: its checks and generation change between releases, and CI must judge the document the same way each run.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv="$HOME/.cache/altinn-broker-client/venv-schemathesis"
  if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    # Debian's own python3 ships venv separately (python3-venv).
    python3 -m venv "$venv" 2>/dev/null || {
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv"
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

case "${1:-all}" in
  rust) ensure_rust ;;
  chromium) ensure_chromium ;;
  firefox) ensure_firefox ;;
  npm) ensure_npm ;;
  schemathesis) ensure_schemathesis ;;
  all) ensure_rust; ensure_chromium; ensure_firefox; ensure_npm; ensure_schemathesis ;;
  *) echo "usage: $0 [all|rust|chromium|firefox|npm|schemathesis]" >&2; exit 2 ;;
esac
