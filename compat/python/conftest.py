"""Fixtures for the W&B compatibility suite: a real stemma server and an isolated client environment."""

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "packages" / "cli" / "dist" / "main.js"
API_KEY = "local-" + "c" * 40
ENTITY = "admin"
# A W&B client's run reads as crashed after this much silence (the server's default is 300 s);
# the clients heartbeat every 30 s, so this is the shortest safe value.
HEARTBEAT_TIMEOUT_S = 45


@pytest.fixture(scope="session")
def stemma():
    """`stemma server` on a free port and a temporary data directory, as a user would start it."""
    data = tempfile.mkdtemp(prefix="stemma-compat-")
    env = {
        **os.environ,
        "STEMMA_ADMIN_API_KEY": API_KEY,
        "STEMMA_WANDB_HEARTBEAT_TIMEOUT_S": str(HEARTBEAT_TIMEOUT_S),
    }
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
    return client_env_for(stemma, tmp_path)


def client_env_for(stemma, directory):
    """`client_env` for a directory of the caller's choosing (module-scoped fixtures)."""
    home = directory / "home"
    home.mkdir()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")},
        "HOME": str(home),
        "WANDB_BASE_URL": stemma,
        "WANDB_API_KEY": API_KEY,
        "WANDB_ERROR_REPORTING": "false",
        "WANDB_DIR": str(directory),
        "WANDB_CONFIG_DIR": str(home / ".config" / "wandb"),
        # Requests every half second instead of every 15 s, and a system sample every second,
        # so scenarios finish quickly; the protocol is the same.
        "WANDB__FILE_STREAM_TRANSMIT_INTERVAL": "0.5",
        "WANDB__STATS_SAMPLING_INTERVAL": "1",
    }


def run_python(code, env, timeout=120):
    """Runs `code` in a fresh interpreter of this venv, as a user's script would run."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env["WANDB_DIR"],
    )


def start_python(code, env):
    """The same, in the background: for scenarios that stop or kill the script."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=env["WANDB_DIR"],
    )


def read_run_id(proc):
    """Reads a background script's output up to its `RUN <id>` line."""
    for line in iter(proc.stdout.readline, ""):
        if line.startswith("RUN "):
            return line.split()[1]
    raise AssertionError(f"the script ended (code {proc.wait()}) before printing its run id")


def last_line(result, prefix):
    """The value a script printed as `<prefix> <value>` (its run id, say)."""
    output = result.stdout + result.stderr
    for line in reversed(output.splitlines()):
        if line.startswith(prefix + " "):
            return line[len(prefix) + 1 :].strip()
    raise AssertionError(f"no {prefix!r} line in the script's output:\n{output}")


def api(base, path, method="GET", body=None):
    """stemma's own REST API, as a user of stemma reads what the client logged."""
    request = urllib.request.Request(
        f"{base}/api/v1/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        raise AssertionError(f"{method} {path}: {err.code} {err.read().decode()}") from None
    return json.loads(raw) if raw else None


def api_bytes(base, path):
    """A download from stemma's REST API, as bytes."""
    request = urllib.request.Request(
        f"{base}/api/v1/{path}", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def run_api(base, project, run_id, detail=""):
    suffix = f"/{detail}" if detail else ""
    return api(base, f"runs/{ENTITY}/{project}/{run_id}{suffix}")


def wait_for(check, timeout=60, interval=0.5):
    """Polls `check` until it returns something truthy; fails with its last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s; last value {value!r}")


def wandb_cli(args, env, timeout=120):
    """The venv's own `wandb` command."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "wandb"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
