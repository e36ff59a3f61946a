"""The class cache in a batch: the local pool's results are the same with it
and with ``GRADER_CLASS_CACHE=off``, and the closing lines say how many
engine results the class shared. (The Dask path grades with the cache on
and is compared with the local pool in test_every_path_agrees.py.)"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from grader.batch import grade_batch, summary_lines
from grader.batch.summary import cache_line

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
_TIMINGS = re.compile(r'"(sandbox_seconds|cpu_seconds|elapsed|execution_time)": ?[0-9.e-]+')


def _class(folder: Path) -> Path:
    """Three students: two with the same answers at other line numbers."""
    folder.mkdir(parents=True)
    shutil.copyfile(SUBMISSIONS / "typed-mistakes" / "sheet.md", folder / "ann.md")
    text = (SUBMISSIONS / "typed-mistakes" / "sheet.md").read_text(encoding="utf-8")
    (folder / "bob.md").write_text("Bob's answers\n\n\n" + text, encoding="utf-8")
    shutil.copyfile(SUBMISSIONS / "typed-misconceptions" / "sheet.md", folder / "cy.md")
    return folder


def _results(out: Path) -> dict[str, str]:
    return {
        path.name: _TIMINGS.sub("", path.read_text(encoding="utf-8"))
        for path in sorted((out / "results").glob("*.json"))
    }


def test_results_are_the_same_with_and_without_the_cache(tmp_path, monkeypatch):
    course = _class(tmp_path / "course")
    rubric = ROOT / "rubrics" / "ml-exam.yaml"
    cached = grade_batch([course], rubric, out_dir=tmp_path / "on", jobs=1, progress=None)
    monkeypatch.setenv("GRADER_CLASS_CACHE", "off")
    uncached = grade_batch([course], rubric, out_dir=tmp_path / "off", jobs=1, progress=None)

    assert _results(tmp_path / "on") == _results(tmp_path / "off")
    assert len(_results(tmp_path / "on")) == 3
    for name in ("gradebook.csv", "review-queue.csv"):
        assert (tmp_path / "on" / name).read_bytes() == (tmp_path / "off" / name).read_bytes()
    # bob's sheet is ann's lower on the page: the class shared results
    assert cached.cache_hits > 0 and cached.cache_lookups > cached.cache_hits
    assert uncached.cache_lookups == 0
    line = cache_line(cached)
    assert f"{cached.cache_hits} of {cached.cache_lookups} engine results reused" in line
    assert cache_line(uncached) is None
    # stdout's closing lines (a contract) do not change
    assert summary_lines(cached)[:-1] == summary_lines(uncached)[:-1]
    # the records themselves carry nothing about the cache
    record = json.loads((tmp_path / "on" / "results" / "bob.json").read_text())
    assert "cache" not in json.dumps(record)
