"""The class cache (grader.checks.cache): what a class's sheets share is
judged once per grading session, and the reports are the same, byte for
byte, with and without it."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader import api
from grader.checks.cache import (
    DEFAULT_ENTRIES,
    LABEL_BASE,
    ClassCache,
    copied,
    entries_from_environment,
    labelled_lines,
    relabel,
)
from grader.pipeline import GradingSession
from grader.rubric import load_rubric
from grader.timelimit import TimeLimitExceeded

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
FILES = ROOT / "tests" / "files"
_TIMING_KEYS = {"sandbox_seconds", "cpu_seconds"}


@pytest.fixture(scope="module")
def ml_exam():
    return load_rubric(ROOT / "rubrics" / "ml-exam.yaml")


def _normal(node):
    """A report without its timings (the only bytes that differ between runs)."""
    if isinstance(node, dict):
        return {k: _normal(v) for k, v in node.items() if k not in _TIMING_KEYS}
    if isinstance(node, list):
        return [_normal(v) for v in node]
    return node


def _report(path: Path, session: GradingSession) -> str:
    return json.dumps(_normal(api.grade(path, session).to_json_dict()), sort_keys=True)


def _shifted(source: Path, target: Path, header: str) -> Path:
    """The same answers lower on the page: the cache's hits must carry the
    new line numbers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + source.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def _class(tmp_path: Path) -> list[Path]:
    """A class: the bundled submissions, the test sheets, and copies of two
    of them with the same answers at other line numbers."""
    sheets = [
        SUBMISSIONS / "seed-student-ocr.md",
        SUBMISSIONS / "typed-perfect",
        SUBMISSIONS / "typed-mistakes",
        SUBMISSIONS / "typed-misconceptions",
        SUBMISSIONS / "blank.md",
        FILES / "seed-student-ocr.md",
    ]
    sheets += [
        FILES / "variants" / name
        for name in ("ocr-noise.md", "plain-text-mistakes.md", "out-of-order.md", "answers.yaml")
    ]
    sheets += [FILES / "notation-sheets" / name for name in ("s01.md", "s02.md", "s03.md")]
    sheets += [FILES / "text-sheets" / name for name in ("t01.md", "t02.md")]
    sheets.append(
        _shifted(
            SUBMISSIONS / "typed-mistakes" / "sheet.md",
            tmp_path / "late-mistakes.md",
            "# answer sheet of a student who wrote a long header\n\nName: Ann\n\n",
        )
    )
    sheets.append(
        _shifted(SUBMISSIONS / "seed-student-ocr.md", tmp_path / "late-ocr.md", "Page 1\n\n\n")
    )
    return sheets


def test_reports_are_the_same_with_and_without_the_cache(ml_exam, tmp_path):
    cached = GradingSession(ml_exam)
    uncached = GradingSession(ml_exam, cache=ClassCache(0))
    sheets = _class(tmp_path)
    differ = [path.name for path in sheets if _report(path, cached) != _report(path, uncached)]
    assert differ == []
    # the cache was used, and its hits include relabelled ones (the copies)
    assert cached.cache.stats.hits > 0
    assert uncached.cache.stats.lookups == 0


def test_the_same_answers_lower_on_another_sheet_are_hits(ml_exam, tmp_path):
    session = GradingSession(ml_exam)
    sheet = SUBMISSIONS / "typed-mistakes" / "sheet.md"
    api.grade(sheet, session)
    first = session.cache.snapshot()
    assert first.misses > 0
    api.grade(_shifted(sheet, tmp_path / "copy.md", "Student: Bo\n\n\n"), session)
    copy = session.cache.stats.since(first)
    # every engine result of the copy was there already, but those that were
    # not kept (undetermined derivations: maybe timing)
    assert copy.lookups > 0
    assert copy.misses == first.not_kept
    assert copy.hits == copy.lookups - first.not_kept
    # a different student's sheet shares some lines, not all
    before = session.cache.snapshot()
    api.grade(SUBMISSIONS / "typed-misconceptions" / "sheet.md", session)
    other = session.cache.stats.since(before)
    assert 0 < other.hits < other.lookups


def test_hits_rise_with_the_class(ml_exam, tmp_path):
    """The more sheets with shared lines, the larger the share answered from the cache."""
    session = GradingSession(ml_exam)
    rates = []
    sheets = [SUBMISSIONS / "typed-misconceptions" / "sheet.md"] * 2
    sheets += [SUBMISSIONS / "typed-mistakes" / "sheet.md"] * 2
    for n, source in enumerate(sheets):
        before = session.cache.snapshot()
        api.grade(_shifted(source, tmp_path / f"s{n}.md", "\n" * n), session)
        used = session.cache.stats.since(before)
        rates.append(used.hits / used.lookups)
    # a new sheet shares some lines with the ones before, more as the class
    # grows; a copy shares all (but what was not kept: an undetermined step)
    assert rates[0] < rates[2] < rates[3]
    assert rates[1] == 1.0


def test_the_bound_is_respected_and_reports_do_not_change(ml_exam):
    small = GradingSession(ml_exam, cache=ClassCache(8))
    uncached = GradingSession(ml_exam, cache=ClassCache(0))
    for path in [SUBMISSIONS / "typed-mistakes", SUBMISSIONS / "seed-student-ocr.md"]:
        assert _report(path, small) == _report(path, uncached)
        assert len(small.cache) <= 8
    assert small.cache.stats.evicted > 0


def test_off_by_environment(ml_exam, monkeypatch):
    monkeypatch.setenv("GRADER_CLASS_CACHE", "off")
    session = GradingSession(ml_exam)
    assert not session.cache.enabled
    api.grade(SUBMISSIONS / "typed-perfect" / "sheet.md", session)
    assert session.cache.stats.lookups == 0 and len(session.cache) == 0


@pytest.mark.parametrize(
    ("value", "entries"),
    [
        ("", DEFAULT_ENTRIES),
        ("on", DEFAULT_ENTRIES),
        ("off", 0),
        ("0", 0),
        ("no", 0),
        ("500", 500),
        ("lots", DEFAULT_ENTRIES),
    ],
)
def test_size_from_the_environment(value, entries):
    assert entries_from_environment({"GRADER_CLASS_CACHE": value}) == entries


# the table itself


def test_least_recently_used_entries_go_first():
    cache = ClassCache(2)
    computed = []

    def compute(key):
        computed.append(key)
        return key.upper()

    for key in ["a", "b", "a", "c", "a", "b"]:
        assert cache.get(key, lambda key=key: compute(key)) == key.upper()
    # a, b computed; a hit; c evicts b (a was used last); a hit; b computed again
    assert computed == ["a", "b", "c", "b"]
    assert (cache.stats.hits, cache.stats.misses, cache.stats.evicted) == (2, 4, 2)
    assert len(cache) == 2


def test_a_result_reached_while_a_time_limit_ran_out_is_not_kept():
    cache = ClassCache(10)
    calls = []

    def compute():
        calls.append(1)
        TimeLimitExceeded(0.5)  # what the engine's time-limited call raised and caught
        return "undetermined"

    assert cache.get("line", compute) == "undetermined"
    assert cache.get("line", compute) == "undetermined"
    assert len(calls) == 2 and len(cache) == 0
    assert cache.stats.not_kept == 2


def test_a_copy_for_another_process_starts_empty():
    cache = ClassCache(10)
    cache.get("k", lambda: 1)
    copy = pickle.loads(pickle.dumps(cache))
    assert (copy.max_entries, len(copy), copy.stats.lookups) == (10, 0, 0)
    assert copy.get("k", lambda: 2) == 2


def test_keep_refuses_a_value():
    cache = ClassCache(10)
    assert cache.get("k", lambda: None, keep=lambda v: v is not None) is None
    assert len(cache) == 0 and cache.stats.not_kept == 1


def test_callers_get_copies():
    cache = ClassCache(10)
    first = cache.get("k", lambda: {"items": [1, 2]}, copy=copied)
    first["items"].append(3)
    assert cache.get("k", lambda: None, copy=copied) == {"items": [1, 2]}


# line labels


@dataclass
class _Step:
    line_no: int
    message: str
    lines: list[int] = field(default_factory=list)
    score: float = 0.5


def test_relabel_gives_the_sheets_line_numbers():
    result = [
        _Step(LABEL_BASE, f"line {LABEL_BASE}: a slip", [LABEL_BASE, LABEL_BASE + 2]),
        _Step(LABEL_BASE + 2, f"right again on line {LABEL_BASE + 2}; 3 terms"),
    ]
    moved = relabel(result, 41)
    assert moved == [
        _Step(41, "line 41: a slip", [41, 43]),
        _Step(43, "right again on line 43; 3 terms"),
    ]
    assert result[0].line_no == LABEL_BASE  # the kept value is not changed
    assert moved[0].lines is not result[0].lines


@pytest.mark.parametrize(
    ("lines", "labelled"),
    [
        (
            [(5, "a"), (6, "b"), (9, "c")],
            [(LABEL_BASE, "a"), (LABEL_BASE + 1, "b"), (LABEL_BASE + 4, "c")],
        ),
        ([(5, "x = 8264000001")], None),  # text that could be read as a label
        ([(6, "a"), (5, "b")], None),  # out of order
        ([], None),
    ],
    ids=["gaps kept", "label digits in the text", "out of order", "empty"],
)
def test_labelled_lines(lines, labelled):
    assert labelled_lines(lines) == labelled
