"""Stopping a run from stemma, and alerts from the script."""

import time

from conftest import api, last_line, read_run_id, run_api, run_python, start_python, wait_for


def test_a_stop_from_stemma_interrupts_the_script_and_the_run_ends_killed(stemma, client_env):
    proc = start_python(
        """
        import time, wandb
        run = wandb.init(project="control")
        print("RUN", run.id, flush=True)
        try:
            for i in range(600):
                run.log({"i": i})
                time.sleep(0.2)
        except KeyboardInterrupt:
            print("INTERRUPTED", flush=True)
            raise
        """,
        client_env,
    )
    try:
        run_id = read_run_id(proc)
        wait_for(lambda: (run_api(stemma, "control", run_id)["lastStep"] or 0) >= 1, timeout=30)
        api(stemma, f"runs/admin/control/{run_id}/stop", method="POST", body={})
        # The client checks for a stop every 15 s (in file_stream answers, or by query on 0.19).
        output, _ = proc.communicate(timeout=90)
        assert "INTERRUPTED" in output, output
        run = wait_for(lambda: (r := run_api(stemma, "control", run_id))["state"] == "killed" and r, timeout=30)
        assert run["lastStep"] < 599
    finally:
        proc.kill()
        proc.wait()


def test_alerts_are_stored_on_the_run(stemma, client_env):
    result = run_python(
        """
        import wandb
        run = wandb.init(project="control")
        run.alert(title="loss exploded", text="loss is 1e9 at step 3", level=wandb.AlertLevel.WARN)
        run.alert(title="done", text="training finished")
        run.alert(title="loss exploded", text="again, within its wait: held back")
        run.finish()
        print("RUN", run.id)
        """,
        client_env,
    )
    assert result.returncode == 0, result.stderr
    alerts = run_api(stemma, "control", last_line(result, "RUN"), "alerts")["alerts"]
    assert [(a["title"], a["text"], a["level"]) for a in alerts] == [
        ("loss exploded", "loss is 1e9 at step 3", "WARN"),
        ("done", "training finished", "INFO"),
    ]
    assert all(abs(a["t"] / 1000 - time.time()) < 120 for a in alerts)
