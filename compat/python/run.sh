#!/usr/bin/env bash
# The W&B compatibility suite: the pytest files here, once per pinned official client
# (scripts/wandb-venvs.sh), each against a stemma server the fixtures start from the built CLI.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$repo/scripts/wandb-venvs.sh"
for venv in "$repo"/.venv-wandb/*/; do
  echo "compat/python with wandb $(basename "$venv")"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$repo/compat/python"
done
