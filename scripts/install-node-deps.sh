#!/usr/bin/env bash
# Installs what the Node.js client examples and tests need: Node.js and npm from Debian
# when the machine has none, then the pinned packages of clients/node (npm ci: exactly
# package-lock.json). Used by `make install`.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "node packages: installing ${missing[*]} from Debian"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "node packages: npm ci in clients/node (node $(node --version))"
npm ci --prefix clients/node --no-audit --no-fund --loglevel=error
