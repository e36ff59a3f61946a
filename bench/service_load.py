"""Load on ``grader serve`` over loopback: 20 concurrent clients checking
single parts (math and free text). Bounded in requests and time.

    python bench/service_load.py [--clients 20] [--requests 400] [--workers 2]

Prints throughput, p50/p90/p99 latency and failures. Target (issue 7): p99
under 300 ms on 2 cores, no request lost or failed. Rate limiting is turned
off for the run (all clients share one address).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = [
    ("q2.c", r"$$\frac{\partial L}{\partial z_2} = a_2 - y$$"),
    ("q1.c", r"$y \in \mathbb{R}^{n \times 1}$, $X \in \mathbb{R}^{n \times (d+1)}$"),
    (
        "q2.a",
        "Backpropagation computes the gradient of the loss with the chain rule, "
        "propagating the error backward from the output layer.",
    ),
    (
        "q3.b",
        "Because of the vanishing gradient: the gradient is a product of many "
        "factors smaller than one, so it shrinks exponentially.",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=120)
    options = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader",
            "serve",
            "--rubric",
            str(ROOT / "rubrics" / "ml-exam.yaml"),
            "--port",
            str(port),
            "--rate-limit",
            "0",
            "--workers",
            str(options.workers),
            "--token",
            "bench",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() - started > 60:
                sys.exit("server did not start: " + server.stderr.read().decode()[-500:])
            time.sleep(0.1)
        print(f"server up in {time.monotonic() - started:.1f} s; {options.workers} workers")

        latencies: list[tuple[str, float]] = []
        failures: list[str] = []
        lock = threading.Lock()
        counter = iter(range(options.requests))
        deadline = time.monotonic() + options.max_seconds

        def client() -> None:
            with httpx.Client(base_url=base, timeout=30) as session:
                while time.monotonic() < deadline:
                    with lock:
                        index = next(counter, None)
                    if index is None:
                        return
                    part, answer = ANSWERS[index % len(ANSWERS)]
                    begin = time.perf_counter()
                    try:
                        response = session.post(
                            f"/api/exams/ml-exam/parts/{part}/check", json={"answer": answer}
                        )
                        ok = response.status_code == 200
                        reason = f"{response.status_code}"
                    except httpx.HTTPError as error:
                        ok, reason = False, repr(error)
                    elapsed = time.perf_counter() - begin
                    with lock:
                        latencies.append((part, elapsed))
                        if not ok:
                            failures.append(f"{part}: {reason}")

        # warm-up: one request per part type, not counted
        for part, answer in ANSWERS:
            httpx.post(
                f"{base}/api/exams/ml-exam/parts/{part}/check", json={"answer": answer}, timeout=30
            )
        begin = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(options.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - begin
    finally:
        server.terminate()
        server.wait(timeout=10)

    times = sorted(t * 1000 for _, t in latencies)

    def pct(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))]

    print(
        f"clients {options.clients}, requests {len(times)} in {wall:.2f} s: "
        f"{len(times) / wall:.1f} req/s"
    )
    print(
        f"latency ms: p50 {pct(0.5):.0f}  p90 {pct(0.9):.0f}  p99 {pct(0.99):.0f}  "
        f"max {times[-1]:.0f}  mean {statistics.mean(times):.0f}"
    )
    for part, _ in ANSWERS:
        part_times = sorted(t * 1000 for p, t in latencies if p == part)
        if part_times:
            print(
                f"  {part}: median {part_times[len(part_times) // 2]:.0f} ms over {len(part_times)}"
            )
    print(f"failed: {len(failures)}" + (f" e.g. {failures[:3]}" if failures else ""))
    print(f"target p99 < 300 ms: {'met' if pct(0.99) < 300 else 'NOT met'}; nproc {os.cpu_count()}")


if __name__ == "__main__":
    main()
