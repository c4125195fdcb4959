"""`wandb verify`, W&B's own check of a server, passes what stemma serves so far."""

from conftest import wandb_cli

# Checks 3–8 of `wandb verify`; artifacts and sweeps come with their own features.
PASSING = [
    "Checking if logged in",
    "Checking signed URL upload",
    "Checking ability to send large payloads through proxy",
    "Checking CORs configuration of the bucket",
    "Checking wandb package version is up to date",
    "Checking logged metrics, saving and downloading a file",
]


def test_wandb_verify_passes_its_run_file_large_post_and_version_checks(stemma, client_env):
    env = {k: v for k, v in client_env.items() if k != "WANDB_BASE_URL"}
    result = wandb_cli(["verify", "--host", stemma], env, timeout=300)
    output = result.stdout + result.stderr
    for check in PASSING:
        line = next((l for l in output.splitlines() if l.startswith(check)), None)
        assert line is not None, f"{check!r} did not run:\n{output}"
        assert line.rstrip().endswith("✅"), f"{check!r} failed:\n{output}"
