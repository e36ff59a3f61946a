"""Load on ``grader serve`` over loopback: 20 concurrent clients checking
single parts (math and free text). Bounded in requests and time.

    python bench/service_load.py [--clients 20] [--requests 400] [--workers 2]
    python bench/service_load.py --attack      # quiet, then under attack

Prints throughput, p50/p90/p99 latency and failures. Target (issue 7): p99
under 300 ms on 2 cores, no request lost or failed. Rate limiting is turned
off for the run (all clients share one address; each names its student),
except with ``--attack``: the service's default per-student limit (120 a
minute, a normal client here sends about 80), the address limit off.

``--attack`` runs the same load twice: quiet, then while 2 hostile clients
send the worst bodies the service allows, over and over and without heeding
Retry-After: a YAML alias bomb as an answer file, sheets as large as the body
limit allows (math lines, two at a time), and ten slow connections (headers
a byte at a time). Target (issue 15): the p99
of the normal checks under attack at most 2x the quiet p99.
"""

from __future__ import annotations

import argparse
import json
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


ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 30)
)


def largest_sheet(max_body: int) -> bytes:
    """A JSON body just under ``max_body`` bytes: a sheet of math lines."""
    line = r"$$\frac{\partial L}{\partial z_2} = (a_2 - y) + x^{3} - x^{3} + \sigma(z_1)$$" + "\n"
    head = "## Q2\n\n(c)\n"
    count = (max_body - 200) // len(json.dumps(line)[1:-1])
    body = json.dumps({"sheet": head + line * count}).encode()
    while len(body) > max_body:
        count -= 1
        body = json.dumps({"sheet": head + line * count}).encode()
    return body


def hostile_client(base: str, port: int, name: str, stop: threading.Event, max_body: int, tally):
    """Sends the worst allowed bodies until ``stop``: a bomb, a maximum size
    sheet; and, on a thread of its own, keeps slow connections open."""
    big = largest_sheet(max_body)

    def slow_connections() -> None:
        while not stop.is_set():
            held = []
            for _ in range(10):
                try:
                    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                    connection.sendall(b"POST /api/exams/ml-exam/check HTTP/1.1\r\nHost: x\r\n")
                    held.append(connection)
                except OSError:
                    tally(name, "slow-refused")
            # a byte now and then, as slowloris does, until the server gives up
            for _ in range(30):
                if stop.is_set():
                    break
                for connection in list(held):
                    try:
                        connection.sendall(b"X")
                    except OSError:
                        held.remove(connection)
                        tally(name, "slow-cut-off")
                time.sleep(0.5)
            for connection in held:
                connection.close()

    def send_over_and_over(kind: str, body: bytes) -> None:
        # never waits for Retry-After: as fast as the server answers
        headers = {"X-Student-Id": name, "content-type": "application/json"}
        with httpx.Client(base_url=base, timeout=120) as session:
            while not stop.is_set():
                try:
                    status = session.post(
                        "/api/exams/ml-exam/check", content=body, headers=headers
                    ).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                tally(name, f"{kind}:{status}")

    bomb = json.dumps({"files": {"answers.yaml": ALIAS_BOMB}}).encode()
    threads = [
        threading.Thread(target=slow_connections, daemon=True),
        threading.Thread(target=send_over_and_over, args=("bomb", bomb), daemon=True),
        threading.Thread(target=send_over_and_over, args=("max-body", big), daemon=True),
        threading.Thread(target=send_over_and_over, args=("max-body", big), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def normal_load(base: str, options, label: str) -> tuple[list[tuple[str, float]], list[str], float]:
    """``options.requests`` checks from ``options.clients`` concurrent clients:
    (latencies, failures, wall seconds)."""
    latencies: list[tuple[str, float]] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(options.requests))
    deadline = time.monotonic() + options.max_seconds

    def client(number: int) -> None:
        headers = {"X-Student-Id": f"{label}-student-{number}"}
        with httpx.Client(base_url=base, timeout=30, headers=headers) as session:
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

    begin = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(options.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures, time.perf_counter() - begin


def report(label: str, latencies, failures, wall: float, clients: int) -> float:
    """Print the figures of one phase; its p99 in ms."""
    times = sorted(t * 1000 for _, t in latencies)

    def pct(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))]

    print(
        f"[{label}] clients {clients}, requests {len(times)} in {wall:.2f} s: "
        f"{len(times) / wall:.1f} req/s"
    )
    print(
        f"[{label}] latency ms: p50 {pct(0.5):.0f}  p90 {pct(0.9):.0f}  p99 {pct(0.99):.0f}  "
        f"max {times[-1]:.0f}  mean {statistics.mean(times):.0f}"
    )
    for part, _ in ANSWERS:
        part_times = sorted(t * 1000 for p, t in latencies if p == part)
        if part_times:
            print(
                f"  {part}: median {part_times[len(part_times) // 2]:.0f} ms over {len(part_times)}"
            )
    print(f"[{label}] failed: {len(failures)}" + (f" e.g. {failures[:3]}" if failures else ""))
    return pct(0.99)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--max-body", type=int, default=2_000_000)
    parser.add_argument("--attack", action="store_true", help="then again under 2 hostile clients")
    parser.add_argument(
        "--rate-limit",
        type=float,
        help="per student a minute (default: 0, off; with --attack the service's 120)",
    )
    options = parser.parse_args()
    if options.rate_limit is None:
        options.rate_limit = 120.0 if options.attack else 0.0

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
            str(options.rate_limit),
            # every client here shares the loopback address, standing for many machines
            "--rate-limit-address",
            "0",
            "--workers",
            str(options.workers),
            "--max-body",
            str(options.max_body),
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

        # warm-up: one request per part type, not counted
        for part, answer in ANSWERS:
            httpx.post(
                f"{base}/api/exams/ml-exam/parts/{part}/check", json={"answer": answer}, timeout=30
            )
        quiet = normal_load(base, options, "quiet")
        attacked = None
        tallies: dict[str, dict[str, int]] = {}
        if options.attack:
            stop = threading.Event()
            tally_lock = threading.Lock()

            def tally(name: str, what: str) -> None:
                with tally_lock:
                    counts = tallies.setdefault(name, {})
                    counts[what] = counts.get(what, 0) + 1

            hostile = [
                threading.Thread(
                    target=hostile_client,
                    args=(base, port, f"hostile-{n}", stop, options.max_body, tally),
                    daemon=True,
                )
                for n in range(2)
            ]
            for thread in hostile:
                thread.start()
            time.sleep(2.0)  # let the attack get going
            try:
                attacked = normal_load(base, options, "attack")
            finally:
                stop.set()
                for thread in hostile:
                    thread.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)

    quiet_p99 = report("quiet", *quiet, options.clients)
    print(f"target p99 < 300 ms: {'met' if quiet_p99 < 300 else 'NOT met'}; nproc {os.cpu_count()}")
    if attacked is not None:
        attack_p99 = report("attack", *attacked, options.clients)
        for name, counts in sorted(tallies.items()):
            print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        ratio = attack_p99 / quiet_p99
        print(
            f"p99 quiet {quiet_p99:.0f} ms, under attack {attack_p99:.0f} ms: {ratio:.2f}x "
            f"(target at most 2x: {'met' if ratio <= 2 else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
