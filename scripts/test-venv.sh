#!/usr/bin/env bash
# Creates <repo>/.venv with the Python tools the tests spawn (moto's S3 server for the blob store
# contract suite). Safe to run again: it does nothing when the pinned version is already there.
set -euo pipefail

MOTO_VERSION=5.2.1
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
python="$venv/bin/python"

if [ ! -x "$python" ]; then
  echo "creating $venv"
  python3 -m venv "$venv"
fi

# moto.server needs the [server] extra (flask and friends); checking the import as well as the
# version catches a venv where only the bare package was installed.
installed="$("$python" - <<'PY' 2>/dev/null || true
import importlib.metadata as metadata
import moto.server  # noqa: F401  (fails without the [server] extra)
print(metadata.version("moto"))
PY
)"

if [ "$installed" = "$MOTO_VERSION" ]; then
  echo "moto[server]==$MOTO_VERSION already in $venv"
  exit 0
fi

"$python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
echo "installed moto[server]==$MOTO_VERSION into $venv"
