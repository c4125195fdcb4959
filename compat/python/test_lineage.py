"""Resume, fork and rewind from the official client map onto stemma's copy-free lineage."""

import json
import subprocess
import uuid

from conftest import API_KEY, ENTITY, REPO, last_line, run_api, run_python

LOG_STEPS = """
    import wandb
    run = wandb.init(project="lineage", id={run_id!r}, config={{"lr": 0.1}}, {extra})
    for i in range({n}):
        run.log({{"loss": {base} + i}})
    run.finish()
    print("RUN", run.id)
"""


def log_steps(env, n, base=0, run_id=None, **init):
    extra = ", ".join(f"{k}={v!r}" for k, v in init.items())
    result = run_python(LOG_STEPS.format(run_id=run_id, n=n, base=base, extra=extra), env)
    assert result.returncode == 0, result.stdout + result.stderr
    return last_line(result, "RUN")


def steps(stemma, run_id):
    return run_api(stemma, "lineage", run_id, "history")["steps"]


def new_id():
    return uuid.uuid4().hex[:8]


def test_resume_allow_continues_the_run_at_the_next_step(stemma, client_env):
    run_id = log_steps(client_env, 3)
    assert log_steps(client_env, 2, base=10, run_id=run_id, resume="allow") == run_id
    history = run_api(stemma, "lineage", run_id, "history")
    assert history["steps"] == [0, 1, 2, 3, 4]
    assert history["columns"]["loss"] == [0, 1, 2, 10, 11]
    run = run_api(stemma, "lineage", run_id)
    assert run["state"] == "finished"
    assert run["config"] == {"lr": 0.1}


def test_resume_allow_creates_a_missing_run(stemma, client_env):
    run_id = new_id()
    assert log_steps(client_env, 2, run_id=run_id, resume="allow") == run_id
    assert steps(stemma, run_id) == [0, 1]


def test_resume_must_fails_for_a_missing_run_and_never_for_an_existing_one(stemma, client_env):
    missing = run_python(
        f"import wandb; wandb.init(project='lineage', id={new_id()!r}, resume='must')", client_env
    )
    assert missing.returncode != 0
    existing = log_steps(client_env, 1)
    never = run_python(
        f"import wandb; wandb.init(project='lineage', id={existing!r}, resume='never')", client_env
    )
    assert never.returncode != 0
    assert steps(stemma, existing) == [0]


def test_resume_auto_picks_up_a_run_that_failed(stemma, client_env):
    failed = run_python(
        """
        import sys, wandb
        run = wandb.init(project="lineage", resume="auto")
        run.log({"loss": 1})
        print("RUN", run.id, flush=True)
        sys.exit(1)
        """,
        client_env,
    )
    run_id = last_line(failed, "RUN")
    assert run_api(stemma, "lineage", run_id)["state"] == "failed"
    again = run_python(
        """
        import wandb
        run = wandb.init(project="lineage", resume="auto")
        run.log({"loss": 2})
        run.finish()
        print("RUN", run.id)
        """,
        client_env,
    )
    assert last_line(again, "RUN") == run_id
    assert steps(stemma, run_id) == [0, 1]
    assert run_api(stemma, "lineage", run_id)["state"] == "finished"


def test_fork_from_branches_a_new_run_off_a_step(stemma, client_env):
    parent = log_steps(client_env, 5)
    child = log_steps(client_env, 2, base=100, fork_from=f"{parent}?_step=2")
    assert child != parent
    history = run_api(stemma, "lineage", child, "history")
    # Steps 0–2 are the parent's, read through the lineage, not copied; 3–4 the child's own.
    assert history["steps"] == [0, 1, 2, 3, 4]
    assert history["columns"]["loss"] == [0, 1, 2, 100, 101]
    assert history["sourceRunIds"] == [parent] * 3 + [child] * 2
    assert run_api(stemma, "lineage", child)["forkedFrom"] == {"runId": parent, "step": 2}
    assert steps(stemma, parent) == [0, 1, 2, 3, 4]


def test_resume_from_rewinds_the_run_and_archives_what_came_after(stemma, client_env):
    run_id = log_steps(client_env, 5)
    assert log_steps(client_env, 2, base=50, run_id=run_id, resume_from=f"{run_id}?_step=1") == run_id
    history = run_api(stemma, "lineage", run_id, "history")
    assert history["steps"] == [0, 1, 2, 3]
    assert history["columns"]["loss"] == [0, 1, 50, 51]
    archives = run_api(stemma, "lineage", run_id, "archives")
    assert [a["lastStep"] for a in archives["runs"]] == [4]


def stemma_sdk(script, stemma):
    """A script using stemma's own TypeScript SDK (the built package), with its own key."""
    env = {"STEMMA_BASE_URL": stemma, "STEMMA_API_KEY": API_KEY, "PATH": "/usr/bin:/bin:/usr/local/bin"}
    code = f"import * as stemma from {json.dumps(str(REPO / 'packages/sdk/dist/index.js'))}\n{script}"
    result = subprocess.run(
        ["node", "--input-type=module", "-e", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_runs_move_between_the_python_client_and_the_stemma_sdk(stemma, client_env):
    python_run = log_steps(client_env, 3)
    # stemma's SDK resumes the Python run, forks it, and rewinds it.
    stemma_sdk(
        f"""
        const opts = {{ entity: {ENTITY!r}, project: 'lineage', settings: {{ stopAction: 'callback' }} }}
        const resumed = await stemma.init({{ ...opts, id: {python_run!r}, resume: 'must' }})
        resumed.log({{ loss: 30 }}); await resumed.finish()
        const fork = await stemma.init({{ ...opts, id: {python_run + 'f'!r}, forkFrom: {python_run + '?_step=1'!r} }})
        fork.log({{ loss: 40 }}); await fork.finish()
        const rewound = await stemma.init({{ ...opts, id: {python_run!r}, resumeFrom: {python_run + '?_step=2'!r} }})
        rewound.log({{ loss: 50 }}); await rewound.finish()
        """,
        stemma,
    )
    assert run_api(stemma, "lineage", python_run, "history")["columns"]["loss"] == [0, 1, 2, 50]
    assert [a["lastStep"] for a in run_api(stemma, "lineage", python_run, "archives")["runs"]] == [3]
    assert run_api(stemma, "lineage", python_run + "f", "history")["columns"]["loss"] == [0, 1, 40]

    # And the Python client resumes and rewinds a run stemma's SDK started.
    stemma_sdk(
        f"""
        const run = await stemma.init({{ entity: {ENTITY!r}, project: 'lineage', id: 'ts-run', settings: {{ stopAction: 'callback' }} }})
        for (let i = 0; i < 4; i++) run.log({{ loss: i }})
        await run.finish()
        """,
        stemma,
    )
    assert log_steps(client_env, 1, base=70, run_id="ts-run", resume="must") == "ts-run"
    assert run_api(stemma, "lineage", "ts-run", "history")["columns"]["loss"] == [0, 1, 2, 3, 70]
    assert log_steps(client_env, 1, base=80, run_id="ts-run", resume_from="ts-run?_step=1") == "ts-run"
    assert run_api(stemma, "lineage", "ts-run", "history")["columns"]["loss"] == [0, 1, 80]
    python_fork = log_steps(client_env, 1, base=90, fork_from="ts-run?_step=0")
    assert run_api(stemma, "lineage", python_fork, "history")["columns"]["loss"] == [0, 90]
