"""Accepted forms become a proposed rubric diff: a worked example per form."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from grader import api, review
from grader.review.proposals import rubric_proposals

ROOT = Path(__file__).resolve().parents[2]


def _patched(rubric: Path, diff: str, tmp_path: Path) -> Path:
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    folder = tmp_path / "rubric"
    shutil.copytree(rubric.parent, folder)
    target = folder / rubric.name
    subprocess.run(["patch", "-s", str(target)], input=diff, text=True, check=True)
    return target


@pytest.mark.parametrize("part_id", ["q3.b", "q1.c", "q4.a"])
def test_an_accepted_form_is_proposed_as_an_example(graded_class, tmp_path, part_id):
    rubric = ROOT / "rubrics" / "ml-exam.yaml"
    group = review.group_answers(graded_class, part_id)[part_id][-1]
    with review.open_store(tmp_path / "d.sqlite") as store:
        store.record(review.decide_group(graded_class, group, "ada", mark=0.5, accept_form=True))
        current = store.current(graded_class[0].rubric.id)
    diff = rubric_proposals(rubric, graded_class, current)
    assert diff.startswith(f"--- {rubric}")
    assert f"+          - id: accepted-{group.key}" in diff or f"- id: accepted-{group.key}" in diff
    proposed = api.load_rubric(_patched(rubric, diff, tmp_path))  # the result is a valid rubric
    part = next(p for q in proposed.questions for p in q.parts if f"{q.id}.{p.id}" == part_id)
    example = next(e for e in part.examples if e.id == f"accepted-{group.key}")
    assert example.score == 0.5
    assert example.answer.strip() == group.representative.text.strip()


def test_nothing_accepted_nothing_proposed(graded_class, tmp_path):
    group = review.group_answers(graded_class, "q3.b")["q3.b"][0]
    with review.open_store(tmp_path / "d.sqlite") as store:
        store.record(review.decide_group(graded_class, group, "ada", mark=0.5))
        current = store.current(graded_class[0].rubric.id)
    assert rubric_proposals(ROOT / "rubrics" / "ml-exam.yaml", graded_class, current) == ""
