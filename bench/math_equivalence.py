"""Speed and accuracy of grader.math.equivalent, side by side with math-verify.

    pip install -e '.[bench]'          # math-verify[antlr4_13_2], bench only
    python bench/math_equivalence.py   # prints the figures

On every pair of tests/math/files/corpus.jsonl and of the blind corpora
tests/math/files/blind-*.jsonl (each with its expected verdict) it
measures, in one run:

1. grader: milliseconds per check (parse both sides + compare), in a warm
   process (imports done, a few other pairs checked first), each pair
   checked once (a text repeated across pairs, like a reference, hits the
   parser's cache, as it does when grading; the context is built and its
   definitions parsed before the timing, as a rubric does once per question):
   median and p90, wall and CPU;
2. math-verify: the same pairs, ``verify(parse(b), parse(a))``, median and p90;
3. accuracy of both against the expected verdicts, and the number of false
   ``equal`` verdicts (a wrong answer accepted: the error a grader must not
   make). math-verify has no "undetermined" and no shapes: it is given the
   same text (in ``$...$``), which is all it can take;
4. ``grader equiv --batch`` on 1,000 pairs (the corpus repeated), timed as a
   command, start-up included.

Timing belongs here, not in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "math" / "files" / "corpus.jsonl"


BLIND = sorted((ROOT / "tests" / "math" / "files").glob("blind-*.jsonl"))


def load_corpus(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({**json.loads(line), "file": path.name})
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def context_for(row: dict):
    from grader.math.context import MathContext

    mapping = dict(row.get("context") or {})
    if row.get("symbols"):
        mapping["symbols"] = {**mapping.get("symbols", {}), **row["symbols"]}
    if row.get("aliases"):
        mapping["aliases"] = {**mapping.get("aliases", {}), **row["aliases"]}
    if not mapping:
        return None
    context = MathContext.from_mapping(mapping)
    # What a rubric does once per question, before its first sheet: the parse
    # key and the parsed definitions (a warm check runs in a warm context).
    context.fingerprint  # noqa: B018
    context.definitions  # noqa: B018
    context.known_names  # noqa: B018
    return context


def run_grader(rows: list[dict]) -> tuple[list[float], list[float], list[str], int]:
    from grader.math import equivalent

    # warm up: imports, SymPy's caches, the time-limit worker; on other text
    for a, b in [("x + 1", "1 + x"), ("X^T X", "X X^T"), ("\\sin(t)^2", "1 - \\cos(t)^2")]:
        equivalent(a, b, {"symbols": {"X": "n x p"}})
    times, cpu, verdicts, symbolic = [], [], [], 0
    for row in rows:
        context = context_for(row)  # built outside the timing: the rubric's job
        start, start_cpu = time.perf_counter(), time.process_time()
        result = equivalent(row["a"], row["b"], context)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        verdicts.append(result.verdict)
        symbolic += result.method == "symbolic"
    return times, cpu, verdicts, symbolic


def run_math_verify(rows: list[dict]) -> tuple[list[float], list[float], list[str]] | None:
    try:
        from math_verify import parse, verify
    except ImportError:
        return None
    verify(parse("$x$"), parse("$x$"))  # warm up
    times, cpu, verdicts = [], [], []
    for row in rows:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            ok = verify(parse(f"${row['b']}$"), parse(f"${row['a']}$"))
        except Exception:  # noqa: BLE001 - math-verify's failures count as "not equal"
            ok = False
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        verdicts.append("equal" if ok else "not_equal")
    return times, cpu, verdicts


def accuracy(rows: list[dict], verdicts: list[str]) -> dict:
    right = sum(v == r["expected"] for r, v in zip(rows, verdicts, strict=True))
    false_equal = [
        r["note"]
        for r, v in zip(rows, verdicts, strict=True)
        if v == "equal" and r["expected"] != "equal"
    ]
    lost = [
        r["note"]
        for r, v in zip(rows, verdicts, strict=True)
        if r["expected"] == "equal" and v != "equal"
    ]
    return {"right": right, "false_equal": false_equal, "equal_missed": lost}


def run_batch(rows: list[dict], count: int) -> tuple[float, float, int, int]:
    items = [
        {k: row[k] for k in ("a", "b", "symbols", "aliases", "context") if row.get(k)}
        for row in rows
        if row["file"] == CORPUS.name  # the batch figure: the original corpus repeated
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for i in range(count):
            handle.write(json.dumps(items[i % len(items)]) + "\n")
        path = handle.name
    try:
        grader = [sys.executable, "-m", "grader"] if not _has_console_script() else ["grader"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [*grader, "equiv", "--batch", path], capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    finally:
        os.unlink(path)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return seconds, cpu, len(lines), done.returncode


def _has_console_script() -> bool:
    from shutil import which

    return which("grader") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--show-misses", action="store_true", help="list the pairs each got wrong")
    args = parser.parse_args()

    rows = load_corpus([CORPUS, *BLIND])
    files = ", ".join(
        f"{path.name} {sum(row['file'] == path.name for row in rows)}" for path in [CORPUS, *BLIND]
    )
    print(f"corpora: {len(rows)} pairs ({files})")
    ours_times, ours_cpu, ours, symbolic = run_grader(rows)
    theirs = run_math_verify(rows)

    def line(name: str, times: list[float], cpu: list[float], verdicts: list[str]) -> dict:
        acc = accuracy(rows, verdicts)
        print(
            f"{name:12s} wall median {statistics.median(times):6.2f} ms p90 "
            f"{percentile(times, 0.9):6.2f} ms | CPU median {statistics.median(cpu):6.2f} ms "
            f"p90 {percentile(cpu, 0.9):6.2f} ms | accuracy {acc['right']}/{len(rows)} "
            f"({100 * acc['right'] / len(rows):.1f}%), false equal {len(acc['false_equal'])}, "
            f"equal missed {len(acc['equal_missed'])}"
        )
        return acc

    ours_acc = line("grader", ours_times, ours_cpu, ours)
    for path in [CORPUS, *BLIND]:
        picked = [i for i, row in enumerate(rows) if row["file"] == path.name]
        acc = accuracy([rows[i] for i in picked], [ours[i] for i in picked])
        print(
            f"  {path.name:28s} grader {acc['right']}/{len(picked)}, "
            f"false equal {len(acc['false_equal'])}"
        )
    if theirs is None:
        print("math-verify: not installed (pip install -e '.[bench]')")
    else:
        theirs_acc = line("math-verify", *theirs)
        for path in [CORPUS, *BLIND]:
            picked = [i for i, row in enumerate(rows) if row["file"] == path.name]
            acc = accuracy([rows[i] for i in picked], [theirs[2][i] for i in picked])
            print(
                f"  {path.name:28s} math-verify {acc['right']}/{len(picked)}, "
                f"false equal {len(acc['false_equal'])}"
            )
        ratio = statistics.median(theirs[0]) / statistics.median(ours_times)
        cpu_ratio = statistics.median(theirs[1]) / statistics.median(ours_cpu)
        print(
            f"speed ratio (math-verify / grader, medians): {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU"
        )
        if args.show_misses:
            print("math-verify false equal:", ", ".join(theirs_acc["false_equal"]))
    undetermined = sum(v == "undetermined" for v in ours)
    print(
        f"grader undetermined: {undetermined}; symbolic step used on {symbolic} pairs "
        "(its CPU is spent in the worker process, counted in wall time only)"
    )
    if args.show_misses:
        for row, verdict in zip(rows, ours, strict=True):
            if verdict != row["expected"]:
                print(f"  grader miss: {row['note']}: expected {row['expected']}, got {verdict}")
    if ours_acc["false_equal"]:
        print("grader FALSE EQUAL:", ", ".join(ours_acc["false_equal"]))
    seconds, cpu, answered, code = run_batch(rows, args.batch_size)
    print(
        f"grader equiv --batch: {args.batch_size} pairs in {seconds:.2f} s wall, {cpu:.2f} s CPU, "
        f"including start-up ({answered} verdicts, exit {code}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
