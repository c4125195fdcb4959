"""Steps per second a tracking client sustains logging 20 scalars per step, for `npm run bench`.

Usage: client_throughput.py wandb|mlflow STEPS. The target comes from the environment: wandb uses
WANDB_BASE_URL (or WANDB_MODE=offline), MLflow MLFLOW_TRACKING_URI. Prints one JSON object:
`log_s` is the time of the log() calls, `total_s` adds finishing the run (everything delivered).
"""
import json
import math
import sys
import tempfile
import time


def rows():
    return [{f"metric_{k}": math.sin(i / 100 + k) for k in range(20)} for i in range(1000)]


def wandb_client(steps, tmp):
    import wandb

    data = rows()
    t0 = time.perf_counter()
    run = wandb.init(project="bench-throughput", dir=tmp, settings=wandb.Settings(silent=True))
    t1 = time.perf_counter()
    for i in range(steps):
        run.log(data[i % 1000])
    t2 = time.perf_counter()
    run.finish()
    t3 = time.perf_counter()
    return {"init_s": t1 - t0, "log_s": t2 - t1, "total_s": t3 - t1}


def mlflow_client(steps, _tmp):
    import mlflow

    data = rows()
    t0 = time.perf_counter()
    mlflow.set_experiment("bench-throughput")
    run = mlflow.start_run()
    t1 = time.perf_counter()
    for i in range(steps):
        mlflow.log_metrics(data[i % 1000], step=i)
    t2 = time.perf_counter()
    mlflow.end_run()
    t3 = time.perf_counter()
    del run
    return {"init_s": t1 - t0, "log_s": t2 - t1, "total_s": t3 - t1}


if __name__ == "__main__":
    client, steps = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        result = {"wandb": wandb_client, "mlflow": mlflow_client}[client](steps, tmp)
    print(json.dumps({"client": client, "steps": steps, **result}))
