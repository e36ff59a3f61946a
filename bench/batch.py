"""Batch benchmark and acceptance run (not a test: it prints figures).

    python bench/batch.py                      # 500 sheets, --jobs 1 and 2, kill -9, memory
    python bench/batch.py --sheets 100 --skip-memory

What it does, with the real grader and rubrics/ml-exam.yaml:

1. Generates N answer sheets (default 500) like a class's: each part's
   answer is one of the example students' in ``submissions/`` (the OCR'd
   sample and the typed sheets, read by the grader's own part finder), mostly
   those of one example (the student's "style"), else another's; some are
   varied (a sign flipped or a number changed in a math line, a line dropped,
   typos, a sentence of the student's own), under the student's own header
   and with 1-2 blank lines after each label, so the same answers sit at
   different line numbers. Many shared lines, some unique ones (it prints how
   many part answers and lines are distinct). One in 25 is broken (empty,
   binary, only blank lines, invalid UTF-8, a folder without a sheet).
   Sheets only, no code files: the figures are for the math and free-text
   parts (code parts run in a sandboxed child process and are timed by
   bench/sandbox*.py).
2. Grades them with ``grader grade --out --jobs 2``: every sheet must have a
   result, the broken ones a reason. Sheets per second, and with ``--jobs 1``
   on the first ``--jobs1-sheets`` (default 100).
3. kill -9 halfway through a second run, starts it again, and checks that the
   results are identical to the uninterrupted run and that the restart graded
   exactly the sheets that had no result.
4. Peak memory (sum of the resident sizes of grader and its workers, sampled
   from /proc) while grading ``--memory-sheets`` (default 1000) with --jobs 2.
5. Executors side by side (``--executor-sheets``, default 100 and 500 sheets):
   the local pool (--jobs 2, with the class cache and with
   ``GRADER_CLASS_CACHE=off``) and Dask LocalClusters of 1 and 2 worker
   processes (``--executor dask --dask-workers N``, extra [dask]): sheets per
   second, CPU seconds per sheet (user + system of the client and every
   process under it, sampled from /proc with the memory), the class cache's
   hit rate (from the line it prints on stderr), peak memory of the client and its
   workers (PSS) at each number of sheets, the load average when each
   started, and the speed-up from 1 to 2 Dask workers.

    python bench/batch.py --only-executors     # step 5 alone
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"


def example_sheets() -> list[str]:
    paths = [ROOT / "submissions" / "seed-student-ocr.md"]
    paths += sorted((ROOT / "submissions").glob("typed-*/*.md"))
    paths += sorted((ROOT / "submissions").glob("typed-*.md"))
    return [p.read_text(encoding="utf-8") for p in paths if p.is_file()]


def example_answers() -> dict[str, list[str]]:
    """Each sheet part's answers on the example sheets (part id -> one text
    per example that answers it), read by the grader's own part finder."""
    sys.path.insert(0, str(ROOT))
    from grader.pipeline import find_answers, read_sheet
    from grader.rubric import load_rubric

    rubric = load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    answers: dict[str, list[str]] = {}
    paths = [ROOT / "submissions" / "seed-student-ocr.md"]
    paths += sorted((ROOT / "submissions").glob("typed-*/*.md"))
    for path in paths:
        for todo in find_answers(rubric, read_sheet(path), path).answers:
            if todo.part.kind != "code" and todo.answer.found and todo.answer.text.strip():
                answers.setdefault(todo.part_id, []).append(todo.answer.text.strip("\n"))
    return answers


def _flip_sign(lines: list[str], rng: random.Random) -> None:
    math = [i for i, line in enumerate(lines) if " + " in line or " - " in line]
    if math:
        i = rng.choice(math)
        lines[i] = (
            lines[i].replace(" + ", " - ", 1)
            if " + " in lines[i]
            else lines[i].replace(" - ", " + ", 1)
        )


def _drop_line(lines: list[str], rng: random.Random) -> None:
    text = [i for i, line in enumerate(lines) if line.strip()]
    if len(text) > 1:
        del lines[rng.choice(text)]


def _typos(lines: list[str], rng: random.Random) -> None:
    for _ in range(2):
        i = rng.randrange(len(lines))
        words = lines[i].split(" ")
        j = rng.randrange(len(words))
        word = words[j]
        if len(word) > 4 and word.isalpha():
            k = rng.randrange(len(word) - 1)
            words[j] = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
            lines[i] = " ".join(words)


def _change_number(lines: list[str], rng: random.Random) -> None:
    numbered = [i for i, line in enumerate(lines) if re.search(r"\d", line)]
    if numbered:
        i = rng.choice(numbered)
        lines[i] = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), lines[i], count=1)


_WORDS = (
    "gradient loss model data weights error training matrix vector update step rate "
    "memory state sequence signal noise bias variance layer output input neuron"
).split()


def _own_sentence(lines: list[str], rng: random.Random) -> None:
    words = " ".join(rng.choice(_WORDS) for _ in range(8))
    lines.append("")
    lines.append(f"In my own words: the {words}.")


# (variation, chance for a math part, chance for a text part), each drawn per part
PART_VARIATIONS = [
    (_flip_sign, 0.12, 0.0),
    (_change_number, 0.08, 0.03),
    (_drop_line, 0.08, 0.08),
    (_typos, 0.0, 0.15),
    (_own_sentence, 0.0, 0.12),
]
MATH_PARTS = {"q1.b", "q1.c", "q2.c", "q2.d"}


def class_sheet(n: int, answers: dict[str, list[str]], rng: random.Random) -> str:
    """One student's sheet, like a class's: each part's answer is one of the
    example students' (mostly those of one example, the student's "style",
    else another's), sometimes varied (a sign flipped or a number changed in
    a math line, a line dropped, typos, a sentence of their own), under the
    student's own header and with a varying number of blank lines, so that
    the same answers sit at different line numbers."""
    home = rng.randrange(4)
    out = [f"# ML exam: answer sheet of student {n:04d}", ""]
    for part_id, texts in answers.items():
        if rng.random() < 0.02:
            continue  # a part left out
        pick = home if rng.random() < 0.6 else rng.randrange(len(texts))
        lines = texts[pick % len(texts)].splitlines()
        for change, math_chance, text_chance in PART_VARIATIONS:
            if rng.random() < (math_chance if part_id in MATH_PARTS else text_chance):
                change(lines, rng)
        question, part = part_id.split(".")
        out.append(f"### {question[1:]}({part})")
        out += [""] * rng.randint(1, 2)
        out += lines
        out.append("")
    return "\n".join(out) + "\n"


def generate(folder: Path, count: int, seed: int = 7) -> dict[str, str]:
    """Write ``count`` submissions; returns {name: kind} with kind "ok" or "broken:<how>"."""
    rng = random.Random(seed)
    answers = example_answers()
    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    broken = [
        ("empty", b""),
        ("binary", bytes(range(256)) * 8),
        ("blank", b"\n\n   \n\n"),
        ("invalid-utf8", b"Q1 (a) \xff\xfe\xfa answer \xc3\x28\n"),
        ("no-sheet", None),
    ]
    for n in range(count):
        name = f"student-{n:04d}"
        if n % 25 == 24:
            how, data = broken[(n // 25) % len(broken)]
            if data is None:
                (folder / name).mkdir(exist_ok=True)
                (folder / name / "notes.bin").write_bytes(b"\x00\x01")
            else:
                (folder / f"{name}.md").write_bytes(data)
            kinds[name] = f"broken:{how}"
            continue
        (folder / f"{name}.md").write_text(class_sheet(n, answers, rng), encoding="utf-8")
        kinds[name] = "ok"
    return kinds


def class_variety(folder: Path) -> str:
    """How much the generated sheets share: distinct part answers and lines."""
    parts: list[str] = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        parts += [p.strip() for p in re.split(r"^### ", text, flags=re.M)[1:]]
    lines = [line for part in parts for line in part.splitlines()[1:] if line.strip()]
    return (
        f"{len(parts)} part answers, {len(set(parts))} distinct; "
        f"{len(lines)} answer lines, {len(set(lines))} distinct"
    )


# The code and rubric the bench runs: a snapshot taken at the start, so that
# edits to the working tree during a long bench cannot make two runs differ.
SNAPSHOT: Path | None = None


def take_snapshot(work: Path) -> Path:
    global RUBRIC, SNAPSHOT
    snapshot = work / "snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(
        ROOT / "grader", snapshot / "grader", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "rubrics", snapshot / "rubrics")
    RUBRIC = snapshot / "rubrics" / "ml-exam.yaml"
    SNAPSHOT = snapshot
    return snapshot


def grader_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SNAPSHOT or ROOT)}


def grader_command(sheets: Path, out: Path, jobs: int, extra: tuple[str, ...] = ()) -> list[str]:
    if extra:  # another executor: its own worker count
        return [*grader_command(sheets, out, jobs)[:-2], *extra]
    return [
        sys.executable,
        "-c",
        "from grader.cli import main; main()",
        "grade",
        str(sheets),
        "--rubric",
        str(RUBRIC),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
    ]


_TICKS = os.sysconf("SC_CLK_TCK")
# pid -> the most CPU seconds seen for it while sampling (a tree's CPU time is
# their sum: processes that were waited for are counted by rusage, the others
# (a zygote, a Dask worker) only here).
_CPU_SEEN: dict[int, float] = {}


def _tree_memory(root_pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of a process and all its descendants (Linux /proc).
    RSS counts the pages forked workers share with the parent once per process;
    PSS splits shared pages between their users, so its sum is the real total."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(int(entry))
    rss = pss = 0
    stack = [root_pid]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:  # CPU seconds so far (utime + stime), kept per process by the caller
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            _CPU_SEEN[pid] = max(
                _CPU_SEEN.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / _TICKS
            )
        except (OSError, IndexError, ValueError):
            pass
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss"):
                kib = int(value.split()[0]) * 1024
                rss += kib if name == "Rss" else 0
                pss += kib if name == "Pss" else 0
    return rss, pss


def run_grader(
    sheets: Path,
    out: Path,
    jobs: int,
    *,
    sample_memory: bool = False,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
):
    started = time.perf_counter()
    # stderr (progress, the class cache's line) to a file: a pipe read at the
    # end could fill up and stop the grader
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            grader_command(sheets, out, jobs, extra),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**grader_env(), **(env or {})},
            cwd=SNAPSHOT or ROOT,  # not the working tree: "" on sys.path is the cwd
        )
        peak = (0, 0)
        while process.poll() is None:
            if sample_memory:
                rss, pss = _tree_memory(process.pid)
                peak = (max(peak[0], rss), max(peak[1], pss))
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        errors.seek(0)
        output = process.stdout.read() + errors.read()
    return process.returncode, elapsed, peak, output


# label -> (grader grade options, environment)
EXECUTORS = {
    "local pool, --jobs 2": (("--jobs", "2"), {}),
    "local pool, no cache": (("--jobs", "2"), {"GRADER_CLASS_CACHE": "off"}),
    "dask, 1 worker": (("--executor", "dask", "--dask-workers", "1"), {}),
    "dask, 2 workers": (("--executor", "dask", "--dask-workers", "2"), {}),
}
_HIT_RATE = re.compile(r"class cache: (\d+) of (\d+) engine results")


def compare_executors(work: Path, counts: list[int], only: list[str] | None = None) -> None:
    """Step 5: each executor on the same generated sheets, at each count."""
    print(f"\nexecutors side by side (load average {os.getloadavg()[0]:.1f}):")
    print(
        f"  {'executor':<22} {'sheets':>6} {'seconds':>8} {'sheets/s':>9} "
        f"{'CPU s/sheet':>12} {'cache hits':>10} {'peak PSS MB':>12} {'peak RSS MB':>12}"
        "  load  exit"
    )
    rates: dict[tuple[str, int], float] = {}
    for count in counts:
        sheets = work / f"sheets-executors-{count}"
        shutil.rmtree(sheets, ignore_errors=True)
        generate(sheets, count, seed=13)
        print(f"  ({count} sheets: {class_variety(sheets)})")
        for label, (extra, env) in EXECUTORS.items():
            if only and not any(word in label for word in only):
                continue
            out = work / f"out-executors-{count}-{len(rates)}"
            shutil.rmtree(out, ignore_errors=True)
            _CPU_SEEN.clear()
            load = os.getloadavg()[0]
            code, elapsed, peak, stdout = run_grader(
                sheets, out, 2, sample_memory=True, extra=extra, env=env
            )
            cpu = sum(_CPU_SEEN.values())
            results = len(list((out / "results").glob("*.json")))
            rates[label, count] = count / elapsed
            hits = _HIT_RATE.search(stdout)
            hit_rate = f"{100 * int(hits[1]) / max(int(hits[2]), 1):.0f}%" if hits else "-"
            print(
                f"  {label:<22} {count:>6} {elapsed:>8.1f} {count / elapsed:>9.1f} "
                f"{cpu / max(results, 1):>12.3f} {hit_rate:>10} {peak[1] / 2**20:>12.0f} "
                f"{peak[0] / 2**20:>12.0f}  {load:4.1f}  {code} ({results} results)"
            )
            shutil.rmtree(out, ignore_errors=True)
    for count in counts:
        one, two = rates.get(("dask, 1 worker", count)), rates.get(("dask, 2 workers", count))
        if one and two:
            print(f"  speed-up from 1 to 2 Dask workers on {count} sheets: {two / one:.2f}x")


def results_snapshot(out: Path) -> dict:
    data = {}
    for path in sorted((out / "results").glob("*.json")):
        record = json.loads(path.read_text())
        record.pop("elapsed", None)
        data[path.name] = record
    return data


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sheets", type=int, default=500)
    parser.add_argument("--jobs1-sheets", type=int, default=100)
    parser.add_argument("--memory-sheets", type=int, default=1000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--keep", help="keep the generated sheets and results in this folder")
    parser.add_argument(
        "--executor-sheets",
        default="100,500",
        help="sheet counts for the executor comparison (comma-separated)",
    )
    parser.add_argument("--skip-executors", action="store_true")
    parser.add_argument("--only-executors", action="store_true")
    parser.add_argument(
        "--executors",
        help="only the executors whose label has one of these words (comma-separated: "
        "'pool,dask', 'no cache', '2 workers')",
    )
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grader-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    snapshot = take_snapshot(work)
    where = subprocess.run(
        [sys.executable, "-c", "import grader; print(grader.__file__)"],
        env=grader_env(),
        cwd=SNAPSHOT or ROOT,  # not the working tree: "" on sys.path is the cwd
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"grading with the snapshot in {snapshot} (grader from {where})")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    started = time.monotonic()
    counts = [int(n) for n in args.executor_sheets.split(",") if n.strip()]
    only = [w.strip() for w in args.executors.split(",")] if args.executors else None
    if args.only_executors:
        compare_executors(work, counts, only)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    sheets = work / "sheets"
    shutil.rmtree(sheets, ignore_errors=True)
    kinds = generate(sheets, args.sheets)
    broken = {name for name, kind in kinds.items() if kind != "ok"}
    print(
        f"generated {len(kinds)} sheets ({len(broken)} broken) in {sheets}: {class_variety(sheets)}"
    )

    # 1. jobs 2, all sheets
    out2 = work / "out-jobs2"
    shutil.rmtree(out2, ignore_errors=True)
    code, elapsed, _, stdout = run_grader(sheets, out2, 2)
    records = {p.stem: json.loads(p.read_text()) for p in (out2 / "results").glob("*.json")}
    missing = set(kinds) - set(records)
    failed = {name: r["reason"] for name, r in records.items() if r["status"] == "failed"}
    print(
        f"\n--jobs 2: {len(kinds)} sheets in {elapsed:.1f} s = {len(kinds) / elapsed:.1f} sheets/s (exit {code})"
    )
    print(f"  results: {len(records)} of {len(kinds)}; missing: {sorted(missing) or 'none'}")
    print(
        f"  failed: {len(failed)} (expected broken: {len(broken)}); unexpected failures: "
        f"{sorted(set(failed) - broken) or 'none'}; broken but graded: {sorted(broken - set(failed)) or 'none'}"
    )
    reasons: dict[str, int] = {}
    for name, reason in failed.items():
        key = f"{kinds.get(name, '?')}: {re.sub(r'student-[0-9]+', 'student-N', reason)}"
        reasons[key] = reasons.get(key, 0) + 1
    for reason, count in sorted(reasons.items()):
        print(f"    {count:3d} x {reason}")
    # Broken sheets the reader still accepts (empty, blank, odd bytes) are graded
    # as blank answers: show that their result says so.
    for name in sorted(broken - set(failed))[:5]:
        report = records[name]["report"]
        note = (report["warnings"] or ["(no warning)"])[0]
        print(f"    graded {kinds[name]}: {name} scored {report['score']:g}; first warning: {note}")
    summary = json.loads((out2 / "summary.json").read_text())
    print(f"  needing review: {summary['needing_review']}; total mean {summary['total']['mean']}")
    print("  " + "\n  ".join(stdout.strip().splitlines()[:6]))

    # 1b. jobs 1 on a subset
    subset = work / "sheets-jobs1"
    shutil.rmtree(subset, ignore_errors=True)
    subset.mkdir()
    for path in sorted(sheets.iterdir())[: args.jobs1_sheets]:
        (shutil.copytree if path.is_dir() else shutil.copy)(path, subset / path.name)
    out1 = work / "out-jobs1"
    shutil.rmtree(out1, ignore_errors=True)
    n1 = len(list(subset.iterdir()))
    code1, elapsed1, _, _ = run_grader(subset, out1, 1)
    print(
        f"\n--jobs 1: {n1} sheets in {elapsed1:.1f} s = {n1 / elapsed1:.1f} sheets/s (exit {code1})"
    )

    # 2. kill -9 halfway, restart, compare
    if not args.skip_kill:
        outk = work / "out-killed"
        shutil.rmtree(outk, ignore_errors=True)
        process = subprocess.Popen(
            grader_command(sheets, outk, 2),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=grader_env(),
            cwd=SNAPSHOT or ROOT,  # not the working tree: "" on sys.path is the cwd
        )
        while process.poll() is None:
            done = (
                len(list((outk / "results").glob("*.json"))) if (outk / "results").is_dir() else 0
            )
            if done >= len(kinds) // 2:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        time.sleep(1.5)  # orphaned workers notice and exit
        before = {p.stem for p in (outk / "results").glob("*.json")}
        stamps = {p.stem: p.stat().st_mtime_ns for p in (outk / "results").glob("*.json")}
        code_k, elapsed_k, _, _ = run_grader(sheets, outk, 2)
        resumed = json.loads((outk / "summary.json").read_text())
        same = results_snapshot(outk) == results_snapshot(out2)
        rewritten = [
            n for n, t in stamps.items() if (outk / "results" / f"{n}.json").stat().st_mtime_ns != t
        ]
        print(
            f"\nkill -9 after {len(before)} results; restart graded {resumed['graded_now']}, "
            f"reused {resumed['reused']} (expected {len(kinds) - len(before)} / {len(before)}) "
            f"in {elapsed_k:.1f} s"
        )
        print(f"  final results identical to the uninterrupted run: {same}")
        print(f"  results from before the kill rewritten by the restart: {len(rewritten)}")
        print(
            f"  gradebook identical: {(outk / 'gradebook.csv').read_text() == (out2 / 'gradebook.csv').read_text()}"
        )

    # 3. memory on 1,000 sheets
    if not args.skip_memory:
        big = work / "sheets-memory"
        shutil.rmtree(big, ignore_errors=True)
        generate(big, args.memory_sheets, seed=11)
        outm = work / "out-memory"
        shutil.rmtree(outm, ignore_errors=True)
        code_m, elapsed_m, peak, _ = run_grader(big, outm, 2, sample_memory=True)
        print(
            f"\nmemory: {args.memory_sheets} sheets with --jobs 2 in {elapsed_m:.1f} s "
            f"({args.memory_sheets / elapsed_m:.1f} sheets/s); peak memory of grader and its "
            f"workers: {peak[1] / 2**20:.0f} MB PSS ({peak[0] / 2**20:.0f} MB summed RSS, "
            f"which counts shared pages once per process) (exit {code_m})"
        )
    if not args.skip_executors:
        compare_executors(work, counts, only)
    print(
        f"\nbench took {time.monotonic() - started:.0f} s; load average now {os.getloadavg()[0]:.1f}"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
