"""Per-call cost of logging a 20-scalar dict with a peer tracker, for `npm run bench`.

Usage: log_latency.py wandb|mlflow CALLS. Prints one JSON object with p50/p99 in nanoseconds.
"""
import json
import math
import os
import sys
import tempfile
import time


def rows():
    return [{f"metric_{k}": math.sin(i / 100 + k) for k in range(20)} for i in range(1000)]


def measure(log, calls):
    data = rows()
    samples = []
    for i in range(calls):
        row = data[i % 1000]
        t0 = time.perf_counter_ns()
        log(row, i)
        samples.append(time.perf_counter_ns() - t0)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def wandb_peer(calls, tmp):
    import wandb

    run = wandb.init(project="bench", mode="offline", dir=tmp, settings=wandb.Settings(silent=True))
    result = measure(lambda row, _i: run.log(row), calls)
    run.finish()
    return result


def mlflow_peer(calls, tmp):
    import mlflow

    mlflow.set_tracking_uri("file://" + os.path.join(tmp, "mlruns"))
    with mlflow.start_run():
        return measure(lambda row, i: mlflow.log_metrics(row, step=i), calls)


if __name__ == "__main__":
    peer, calls = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        p50, p99 = {"wandb": wandb_peer, "mlflow": mlflow_peer}[peer](calls, tmp)
    print(json.dumps({"peer": peer, "calls": calls, "p50": p50, "p99": p99}))
