"""How fast one sheet is graded end to end (prints figures; not a test).

    python bench/grade_sheet.py [--repeat N] [--sheet PATH] [--rubric PATH]

Figures, against the targets of issue 3:

- cold: ``grader grade SHEET --rubric R --format json`` in a fresh process,
  from the command line (target: under 1.5 s);
- warm: ``grader.api.grade`` in-process, the rubric loaded and the engines
  warmed up by a first sheet (target: under 150 ms per sheet);
- help: ``grader --help`` (target: under 0.3 s).

Each figure is the median of ``--repeat`` runs (min and max shown too). CPU
times of commands include their time-limit workers (on Linux this script
adopts the orphaned workers, as a subreaper, to count them).

With ``PYTHONDONTWRITEBYTECODE`` set (as in some sandboxes), every run
compiles grader's own modules again (about 0.2 s of the cold figure); a normal
install has them compiled. The cold figure is then also shown with a
bytecode cache in a temporary folder, which is what an installed grader sees.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 1.5, "warm": 0.150, "help": 0.3}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _adopt_orphans() -> bool:
    """Become a subreaper (Linux), so that a command's time-limit workers, which
    outlive it for a moment, are reaped here and their CPU time counted."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap_orphans() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _time_command(
    args: list[str], repeat: int, env: dict[str, str] | None = None
) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (the command, its children and, when adopted,
    its orphaned workers)."""
    times, cpu = [], []
    for _ in range(repeat):
        cpu_start = _children_cpu()
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
        _reap_orphans()
        cpu.append(_children_cpu() - cpu_start)
    return times, cpu


def _time_warm(
    sheet: Path, rubric_path: Path, repeat: int
) -> tuple[list[float], list[float], float]:
    """Wall and CPU times per sheet, in-process (CPU: this process only; engine
    work done in a time-limit worker process is not in it)."""
    from grader import api

    rubric = api.load_rubric(rubric_path)
    start = time.perf_counter()
    api.grade(sheet, rubric)  # imports, contexts, engine workers
    first = time.perf_counter() - start
    times, cpu = [], []
    for _ in range(repeat):
        cpu_start = time.process_time()
        start = time.perf_counter()
        api.grade(sheet, rubric)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return times, cpu, first


def _line(name: str, times: list[float], cpu: list[float], label: str = "") -> str:
    median = statistics.median(times)
    target = TARGETS[name]
    verdict = "ok" if median < target else "over"
    return (
        f"{label or name:<5} median {median * 1000:7.0f} ms  (min {min(times) * 1000:.0f}, "
        f"max {max(times) * 1000:.0f}; target {target * 1000:.0f} ms: {verdict}); "
        f"CPU median {statistics.median(cpu) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sheet", type=Path, default=ROOT / "submissions" / "seed-student-ocr.md")
    parser.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "ml-exam.yaml")
    options = parser.parse_args()
    grader_cmd = [sys.executable, "-m", "grader.cli"]
    if (Path(sys.executable).parent / "grader").exists():
        grader_cmd = [str(Path(sys.executable).parent / "grader")]

    print(f"sheet {options.sheet.relative_to(ROOT)}, rubric {options.rubric.relative_to(ROOT)}")
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it)"
    )
    adopted = _adopt_orphans()
    help_times = _time_command([*grader_cmd, "--help"], options.repeat)
    grade_cmd = [
        *grader_cmd,
        "grade",
        str(options.sheet),
        "--rubric",
        str(options.rubric),
        "--format",
        "json",
    ]
    cold = _time_command(grade_cmd, options.repeat)
    cold_cached = None
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        with tempfile.TemporaryDirectory(prefix="grader-bench-pyc-") as cache:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = cache
            _time_command(grade_cmd, 1, env)  # fills the cache
            cold_cached = _time_command(grade_cmd, options.repeat, env)
    warm, warm_cpu, first = _time_warm(options.sheet, options.rubric, max(options.repeat, 10))
    print(_line("help", *help_times))
    print(_line("cold", *cold))
    if cold_cached is not None:
        print(_line("cold", *cold_cached, label="cold+"))
        print("       cold+: with a bytecode cache (PYTHONDONTWRITEBYTECODE is set here, so")
        print("       each cold run above compiled grader's modules again)")
    if not adopted:
        print("       (CPU of commands leaves out their time-limit workers: no subreaper here)")
    print(_line("warm", warm, warm_cpu))
    print(f"first in-process sheet (imports, contexts, engine workers): {first * 1000:.0f} ms")


if __name__ == "__main__":
    main()
