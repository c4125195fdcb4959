"""A training script using the official client, unchanged, logs a run stemma shows like its own."""

import os
import signal
import sys
from pathlib import Path

from conftest import (
    HEARTBEAT_TIMEOUT_S,
    api_bytes,
    last_line,
    read_run_id,
    run_api,
    run_python,
    start_python,
    wait_for,
    wandb_cli,
)

TRAINING_SCRIPT = """
    import sys, time, wandb
    run = wandb.init(project="runs", config={"lr": 0.01, "model": {"depth": 3}}, name="baseline",
                     notes="first try", tags=["small"], group="sweep-1", job_type="train")
    run.define_metric("epoch")
    run.define_metric("val/loss", step_metric="epoch", summary="min,max")
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1), "nested": {"a": i}, "epoch": i, "val/loss": 2.0 - i * 0.1})
    run.log({"odd": float("nan"), "big": float("inf")})
    run.log({"half": 1}, commit=False)
    run.log({"other_half": 2})
    run.log({"late": 5}, step=20)
    run.summary["best"] = 0.123
    run.config.update({"extra": True})
    with open("notes.txt", "w") as f:
        f.write("saved by the script")
    wandb.save("notes.txt", policy="now")
    print("to stdout")
    print("to stderr", file=sys.stderr)
    for i in range(5):
        sys.stdout.write(f"\\rprogress {i}/4")
        sys.stdout.flush()
        time.sleep(0.3)
    print()
    time.sleep(2.5)  # a few system samples
    run.finish()
    print("RUN", run.id)
"""


def test_a_logged_run_has_its_history_config_summary_and_metrics(stemma, client_env):
    result = run_python(TRAINING_SCRIPT, client_env)
    assert result.returncode == 0, result.stderr
    run = run_api(stemma, "runs", last_line(result, "RUN"))
    assert run["state"] == "finished" and run["exitCode"] == 0
    assert run["config"] == {"lr": 0.01, "model": {"depth": 3}, "extra": True}
    assert (run["name"], run["notes"], run["tags"]) == ("baseline", "first try", ["small"])
    assert (run["group"], run["jobType"]) == ("sweep-1", "train")

    summary = run["summary"]
    assert summary["loss"] == 0.2
    assert summary["best"] == 0.123  # set by the script, not logged
    assert summary["odd"] == "NaN" and summary["big"] == "Infinity"
    assert summary["val/loss"] == {"min": 1.6, "max": 2.0}
    assert summary["nested.a"] == 4 and "nested" not in summary
    assert summary["_step"] == 20

    metrics = {m["name"]: m for m in run["metrics"]}
    assert metrics["val/loss"]["stepMetric"] == "epoch"
    assert metrics["val/loss"]["summary"] == ["min", "max"]

    history = run_api(stemma, "runs", run["id"], "history")
    # commit=False merged two calls into one row; an explicit step jumps ahead.
    assert history["steps"] == [0, 1, 2, 3, 4, 5, 6, 20]
    assert history["columns"]["loss"][:5] == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    assert history["columns"]["nested.a"][:5] == [0, 1, 2, 3, 4]
    assert history["columns"]["half"][6] == 1 and history["columns"]["other_half"][6] == 2
    assert history["columns"]["odd"][5] == "NaN"


def test_console_system_metrics_files_and_metadata(stemma, client_env):
    result = run_python(TRAINING_SCRIPT, client_env)
    assert result.returncode == 0, result.stderr
    run_id = last_line(result, "RUN")

    lines = run_api(stemma, "runs", run_id, "console?limit=100")["lines"]
    texts = [(line["stream"], line["line"]) for line in lines]
    assert ("stdout", "to stdout") in texts
    assert ("stderr", "to stderr") in texts
    # The progress bar redrew one line; stemma keeps the line as it ended.
    progress = [text for _, text in texts if "progress" in text]
    assert progress == ["progress 4/4"], texts

    samples = run_api(stemma, "runs", run_id, "system?limit=100")["samples"]
    assert len(samples) >= 1
    keys = set().union(*(s["values"] for s in samples))
    assert any(k.startswith("system.") for k in keys), keys

    files = {f["name"] for f in run_api(stemma, "runs", run_id, "files")["files"]}
    for name in ["notes.txt", "wandb-metadata.json", "requirements.txt", "config.yaml", "output.log"]:
        assert name in files, files
    saved = api_bytes(stemma, f"runs/admin/runs/{run_id}/files/notes.txt")
    assert saved == b"saved by the script"

    meta = run_api(stemma, "runs", run_id)["metadata"]
    assert meta["host"] == os.uname().nodename
    assert "python" in meta["runtime"].lower()
    assert meta["executable"] == sys.executable
    assert meta["os"]


def test_exit_code_one_fails_the_run(stemma, client_env):
    result = run_python(
        """
        import sys, wandb
        run = wandb.init(project="runs")
        run.log({"x": 1})
        print("RUN", run.id, flush=True)
        sys.exit(1)
        """,
        client_env,
    )
    assert result.returncode == 1
    run = run_api(stemma, "runs", last_line(result, "RUN"))
    assert run["state"] == "failed" and run["exitCode"] == 1


def test_keyboard_interrupt_kills_the_run(stemma, client_env):
    result = run_python(
        """
        import wandb
        run = wandb.init(project="runs")
        run.log({"x": 1})
        print("RUN", run.id, flush=True)
        raise KeyboardInterrupt
        """,
        client_env,
    )
    assert result.returncode != 0
    run = run_api(stemma, "runs", last_line(result, "RUN"))
    assert run["state"] == "killed"


def test_a_killed_script_leaves_a_crashed_run(stemma, client_env):
    proc = start_python(
        """
        import time, wandb
        run = wandb.init(project="runs")
        run.log({"x": 1})
        print("RUN", run.id, flush=True)
        time.sleep(600)
        """,
        client_env,
    )
    try:
        run_id = read_run_id(proc)
        wait_for(lambda: run_api(stemma, "runs", run_id)["lastStep"] == 0, timeout=30)
        os.kill(proc.pid, signal.SIGKILL)
        # wandb-core, the client's own process, goes with it when its parent dies.
        state = wait_for(
            lambda: (s := run_api(stemma, "runs", run_id)["state"]) == "crashed" and s,
            timeout=HEARTBEAT_TIMEOUT_S + 60,
            interval=2,
        )
        assert state == "crashed"
    finally:
        proc.kill()
        proc.wait()


def test_nan_and_infinity_survive_the_round_trip(stemma, client_env):
    result = run_python(
        """
        import wandb
        run = wandb.init(project="runs")
        run.log({"v": float("-inf")})
        run.log({"v": 1.5})
        run.finish()
        print("RUN", run.id)
        """,
        client_env,
    )
    assert result.returncode == 0, result.stderr
    history = run_api(stemma, "runs", last_line(result, "RUN"), "history")
    assert history["columns"]["v"] == ["-Infinity", 1.5]


def test_an_offline_run_uploads_with_wandb_sync(stemma, client_env):
    result = run_python(
        """
        import wandb
        run = wandb.init(project="runs", config={"a": 1})
        for i in range(5):
            run.log({"x": i})
        run.finish()
        print("RUN", run.id)
        """,
        {**client_env, "WANDB_MODE": "offline"},
    )
    assert result.returncode == 0, result.stderr
    run_id = last_line(result, "RUN")
    offline_dirs = [str(p) for p in (Path(client_env["WANDB_DIR"]) / "wandb").glob(f"offline-run-*-{run_id}")]
    synced = wandb_cli(["sync", *offline_dirs], client_env)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    run = run_api(stemma, "runs", run_id)
    assert run["state"] == "finished" and run["config"] == {"a": 1}
    assert run_api(stemma, "runs", run_id, "history")["columns"]["x"] == [0, 1, 2, 3, 4]
