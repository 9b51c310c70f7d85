#!/usr/bin/env bash
# Builds the portal (www/dist) against the package in pkg/ (build that first: scripts/build-pkg.sh). Installs
# www's npm packages from www/package-lock.json when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/../www"
[ -f ../pkg/package.json ] || { echo "pkg/ is not built: run scripts/build-pkg.sh first" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing www's npm packages from www/package-lock.json"
  # As for js/ (scripts/setup.sh): npm ci, else the locked versions without touching the lockfile.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-save --no-audit --no-fund --loglevel=error
fi
npx --no-install vite build --logLevel warn
