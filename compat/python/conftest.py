"""Fixtures for the W&B compatibility suite: a real stemma server and an isolated client environment."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "packages" / "cli" / "dist" / "main.js"
API_KEY = "local-" + "c" * 40


@pytest.fixture(scope="session")
def stemma():
    """`stemma server` on a free port and a temporary data directory, as a user would start it."""
    data = tempfile.mkdtemp(prefix="stemma-compat-")
    env = {**os.environ, "STEMMA_ADMIN_API_KEY": API_KEY}
    proc = subprocess.Popen(
        ["node", str(CLI), "server", "--port", "0", "--data-dir", data],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = None
    for line in proc.stdout:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    if url is None:
        proc.kill()
        raise RuntimeError("stemma server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def client_env(stemma, tmp_path):
    """The environment a training script gets: the three variables a W&B user sets, and a home of its own."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")},
        "HOME": str(home),
        "WANDB_BASE_URL": stemma,
        "WANDB_API_KEY": API_KEY,
        "WANDB_ERROR_REPORTING": "false",
        "WANDB_DIR": str(tmp_path),
        "WANDB_CONFIG_DIR": str(home / ".config" / "wandb"),
    }


def run_python(code, env, timeout=120):
    """Runs `code` in a fresh interpreter of this venv, as a user's script would run."""
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )


def wandb_cli(args, env, timeout=120):
    """The venv's own `wandb` command."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "wandb"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
