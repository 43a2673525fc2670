#!/usr/bin/env bash
# Installs Debian packages, skipping those already installed: every name in the list
# files given as arguments, by default every deps/apt-*.txt (what the services need;
# `make bench` adds deps/bench-apt.txt). Runs apt-get as root, or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
lists=("$@")
[[ ${#lists[@]} -gt 0 ]] || lists=(deps/apt-*.txt)
wanted=()
for list in "${lists[@]}"; do
  while read -r name _; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || wanted+=("$name")
  done <"$list"
done
if [[ ${#wanted[@]} -eq 0 ]]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${wanted[*]}"
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
echo "system packages: done"
