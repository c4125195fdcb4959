#!/usr/bin/env bash
# One virtual environment per pinned official W&B Python client, for the compatibility suite in
# compat/python: <repo>/.venv-wandb/<version>, each with pytest. Safe to run again: a venv that
# already has its pinned versions is left alone.
set -euo pipefail

WANDB_VERSIONS=(0.31.0 0.19.11)
PYTEST_VERSION=8.4.2
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

for version in "${WANDB_VERSIONS[@]}"; do
  venv="$repo/.venv-wandb/$version"
  python="$venv/bin/python"
  [ -x "$python" ] || python3 -m venv "$venv"
  installed="$("$python" - <<'PY' 2>/dev/null || true
import importlib.metadata as metadata
print(metadata.version("wandb"), metadata.version("pytest"))
PY
)"
  if [ "$installed" = "$version $PYTEST_VERSION" ]; then
    echo "wandb==$version already in $venv"
    continue
  fi
  "$python" -m pip install --quiet --disable-pip-version-check "wandb==$version" "pytest==$PYTEST_VERSION"
  echo "installed wandb==$version into $venv"
done
