#!/usr/bin/env bash
# What the test suite spawns besides Node: a PostgreSQL server (Debian's package; the tests start
# their own throwaway cluster with it), Chromium (Debian's package, driven headless by the browser
# tests through playwright-core) and moto's S3 server in .venv. Installs what is missing
# where it can (root, apt-get) and says what to install where it cannot. Quick when all is there.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v chromium >/dev/null || need+=(chromium)
if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "the tests need these Debian packages: ${need[*]} (sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi

bash "$repo/scripts/test-venv.sh"
