"""`wandb.Api()` reads and edits what stemma holds: filters, config, summary, history, files."""

import json

import pytest
import wandb

from conftest import api, last_line, run_python

SEED_RUNS = """
    import wandb
    for lr, tags, steps, fail in [(0.1, ["a"], 3, False), (0.01, ["b"], 1200, False), (0.001, ["a", "b"], 2, True)]:
        run = wandb.init(project="public", config={"lr": lr, "opt": {"name": "adam"}}, tags=tags,
                         name=f"lr-{lr}")
        for i in range(steps):
            run.log({"loss": lr * 100 / (i + 1), "acc": i / steps})
        if lr == 0.1:
            with open("weights.txt", "w") as f:
                f.write("0.5 0.25")
            run.save("weights.txt", policy="now")
        run.finish(exit_code=1 if fail else 0)
        print("RUN", lr, run.id, flush=True)
"""


@pytest.fixture(scope="module")
def seeded(stemma, tmp_path_factory):
    from conftest import client_env_for

    env = client_env_for(stemma, tmp_path_factory.mktemp("seed"))
    result = run_python(SEED_RUNS, env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ids = {}
    for line in result.stdout.splitlines():
        if line.startswith("RUN "):
            _, lr, run_id = line.split()
            ids[float(lr)] = run_id
    return env, ids


def query(env, code):
    """Runs public-API code in a fresh interpreter; it prints one JSON value as `OUT <json>`."""
    result = run_python("import json, wandb\napi = wandb.Api()\n" + code, env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(last_line(result, "OUT"))


def names(env, filters, order="+created_at"):
    return query(
        env,
        f"runs = api.runs('admin/public', filters={filters!r}, order={order!r})\n"
        "print('OUT', json.dumps([r.name for r in runs]))",
    )


def test_runs_filter_with_mongodb_operators(seeded):
    env, _ = seeded
    assert names(env, {"config.lr": {"$gt": 0.005}}) == ["lr-0.1", "lr-0.01"]
    assert names(env, {"config.lr.value": 0.01}) == ["lr-0.01"]
    assert names(env, {"state": "failed"}) == ["lr-0.001"]
    assert names(env, {"$and": [{"tags": {"$in": ["a"]}}, {"state": "finished"}]}) == ["lr-0.1"]
    assert names(env, {"$or": [{"config.lr": 0.1}, {"config.lr": 0.001}]}) == ["lr-0.1", "lr-0.001"]
    assert names(env, {"display_name": {"$regex": "^lr-0\\.0"}}) == ["lr-0.01", "lr-0.001"]
    assert names(env, {"summary_metrics.loss": {"$lt": 0.01}}) == ["lr-0.01"]
    assert names(env, {"config.opt.name": "adam"}, order="-created_at") == ["lr-0.001", "lr-0.01", "lr-0.1"]
    assert names(env, {}, order="+summary_metrics.loss") == ["lr-0.01", "lr-0.001", "lr-0.1"]


def test_a_run_has_its_config_summary_state_and_history(seeded):
    env, ids = seeded
    out = query(
        env,
        f"""
run = api.run('admin/public/{ids[0.1]}')
print('OUT', json.dumps({{
    'config': run.config, 'loss': run.summary['loss'], 'state': run.state, 'name': run.name,
    'tags': run.tags, 'history': run.history(pandas=False),
    'loss_only': run.history(keys=['loss'], pandas=False),
    'last_step': run.lastHistoryStep,
}}))
""",
    )
    assert out["config"] == {"lr": 0.1, "opt": {"name": "adam"}}
    assert out["loss"] == pytest.approx(10 / 3)
    assert out["state"] == "finished" and out["name"] == "lr-0.1" and out["tags"] == ["a"]
    assert [row["_step"] for row in out["history"]] == [0, 1, 2]
    assert out["history"][1]["loss"] == pytest.approx(5.0)
    assert [set(row) - {"_step"} for row in out["loss_only"]] == [{"loss"}] * 3
    assert out["last_step"] == 2


def test_history_samples_and_scan_history_reads_every_row(seeded):
    env, ids = seeded
    out = query(
        env,
        f"""
run = api.run('admin/public/{ids[0.01]}')
print('OUT', json.dumps({{
    'sampled': len(run.history(samples=100, pandas=False)),
    'scanned': [row['_step'] for row in run.scan_history()],
    'keyed': len(list(run.scan_history(keys=['loss'], page_size=300))),
}}))
""",
    )
    assert out["sampled"] == 100
    assert out["scanned"] == list(range(1200))
    assert out["keyed"] == 1200


def test_files_list_and_download(seeded, tmp_path):
    env, ids = seeded
    out = query(
        env,
        f"""
run = api.run('admin/public/{ids[0.1]}')
names = [f.name for f in run.files()]
path = run.file('weights.txt').download(root={str(tmp_path)!r}, replace=True).name
print('OUT', json.dumps({{'names': names, 'content': open(path).read()}}))
""",
    )
    assert "weights.txt" in out["names"] and "wandb-metadata.json" in out["names"]
    assert out["content"] == "0.5 0.25"


def test_update_and_delete_a_run(seeded, stemma):
    env, ids = seeded
    run_id = ids[0.001]
    query(
        env,
        f"""
run = api.run('admin/public/{run_id}')
run.name = 'renamed'
run.tags = ['c']
run.notes = 'looked at it'
run.config['extra'] = 1
run.summary['verdict'] = 'diverged'
run.update()
print('OUT', 'null')
""",
    )
    run = api(stemma, f"runs/admin/public/{run_id}")
    assert run["name"] == "renamed" and run["tags"] == ["c"] and run["notes"] == "looked at it"
    assert run["config"]["extra"] == 1
    assert run["summary"]["verdict"] == "diverged"

    query(env, f"api.run('admin/public/{run_id}').delete()\nprint('OUT', 'null')")
    listed = [r["id"] for r in api(stemma, "runs/admin/public")["runs"]]
    assert run_id not in listed


@pytest.mark.skipif(not hasattr(wandb.apis.public.Run, "console_logs"), reason="this client has no console_logs")
def test_console_logs_read_back_in_order_and_as_a_tail(stemma, client_env):
    result = run_python(
        """
        import sys, wandb
        run = wandb.init(project="public")
        for i in range(5):
            print(f"line {i}", flush=True)
        print("to stderr", file=sys.stderr, flush=True)
        run.finish()
        print("RUN", run.id)
        """,
        client_env,
    )
    assert result.returncode == 0, result.stderr
    run_id = last_line(result, "RUN")
    out = query(
        client_env,
        f"""
run = api.run('admin/public/{run_id}')
whole = [(l.number, l.level, l.content) for l in run.console_logs(per_page=2)]
tail = [l.content for l in run.console_logs(last=2)]
stamped = all(l.timestamp is not None for l in run.console_logs())
print('OUT', json.dumps({{'whole': whole, 'tail': tail, 'stamped': stamped}}))
""",
    )
    assert out["whole"] == [[i, "", f"line {i}"] for i in range(5)] + [[5, "error", "to stderr"]]
    assert out["tail"] == ["line 4", "to stderr"]
    assert out["stamped"]
