"""Answer groups on a generated class: how many decisions a person makes.

    python bench/review_groups.py [--sheets 200] [--jobs 2]

A class of SHEETS sheets is generated from the example sheets in
submissions/ with realistic repetition: each question's answer is taken from
one of the example students, typed or OCR'd (so answers repeat across the
class, as they do when students learn from the same lecture), with typing
noise (swapped letters) that changes the text but not what it says; a few
students leave a question out.
The class is graded (`grader grade --out`, local pool), then grouped. Printed:
flagged answers (parts a person must look at), the groups holding them (the
decisions to make), the ratio, all groups, and the time to compute the
groups from the results folder.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
QUESTION = re.compile(r"^(?:#{1,4}\s*)?Q(\d+)\b", re.MULTILINE)
SKIPPED = 0.06  # a student leaves a question out (no time): a flagged, empty answer


def sections(text: str) -> dict[str, str]:
    """Question number -> its section of the sheet (from '## Qn' to the next)."""
    starts = [(m.start(), m.group(1)) for m in QUESTION.finditer(text)]
    found = {}
    for index, (start, number) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        found[number] = text[start:end].rstrip() + "\n"
    return found


def noise(section: str, rng: random.Random) -> str:
    lines = section.splitlines()
    for _ in range(rng.randint(0, 3)):
        prose = [i for i, line in enumerate(lines) if len(line) > 40 and "$" not in line]
        if not prose:
            break
        i = rng.choice(prose)
        words = lines[i].split(" ")
        j = rng.randrange(len(words))
        if len(words[j]) > 5 and words[j].isalpha():  # a swapped pair of letters
            k = rng.randrange(len(words[j]) - 1)
            word = words[j]
            words[j] = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
        lines[i] = " ".join(words)
    return "\n".join(lines) + "\n"


def generate(folder: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    sources = [ROOT / "submissions" / "seed-student-ocr.md"]
    sources += sorted((ROOT / "submissions").glob("typed-*/sheet.md"))
    students = [sections(path.read_text(encoding="utf-8")) for path in sources]
    numbers = sorted({n for s in students for n in s}, key=int)
    for n in range(count):
        parts = ["# Answer sheet\n"]
        for number in numbers:
            if rng.random() < SKIPPED:
                parts.append(f"## Q{number}\n\n(no time for this one)\n")
                continue
            source = rng.choice([s for s in students if number in s])
            parts.append(noise(source[number], rng))
        (folder / f"student-{n:04d}.md").write_text("\n".join(parts), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    from grader import review

    with tempfile.TemporaryDirectory() as work:
        sheets, out = Path(work) / "class", Path(work) / "out"
        sheets.mkdir()
        generate(sheets, args.sheets, args.seed)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "grade",
                str(sheets),
                "--rubric",
                str(RUBRIC),
                "--out",
                str(out),
                "--jobs",
                str(args.jobs),
            ],
            check=True,
            capture_output=True,
        )
        graded = time.perf_counter() - start
        start = time.perf_counter()
        reports = review.read_reports(out)
        groups = review.group_answers(reports)
        grouping = time.perf_counter() - start
    flagged = sum(g.flagged for part in groups.values() for g in part)
    flagged_groups = sum(1 for part in groups.values() for g in part if g.flagged)
    answers = sum(g.size for part in groups.values() for g in part)
    all_groups = sum(len(part) for part in groups.values())
    print(f"class: {len(reports)} sheets graded in {graded:.1f} s ({args.jobs} jobs)")
    print(f"answers: {answers} in {all_groups} groups ({answers / all_groups:.1f} per group)")
    ratio = flagged / flagged_groups if flagged_groups else float("nan")
    print(
        f"flagged answers: {flagged}; groups holding them (decisions to make): "
        f"{flagged_groups}; {ratio:.1f}x fewer decisions than flagged answers"
    )
    print(f"grouping time: {grouping * 1000:.0f} ms (read the results and group, one process)")
    for part_id, part in groups.items():
        flagged_here = sum(g.flagged for g in part)
        print(
            f"  {part_id}: {sum(g.size for g in part)} answers, {len(part)} groups, "
            f"{flagged_here} flagged in {sum(1 for g in part if g.flagged)} groups"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
