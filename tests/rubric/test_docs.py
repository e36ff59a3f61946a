"""docs/rubrics.md carries the field reference generated from the models."""

from __future__ import annotations

from grader.checks.registry import BUILTIN_KINDS
from grader.rubric import docs


def test_docs_page_is_up_to_date():
    page = docs.DOCS_PAGE.read_text(encoding="utf-8")
    assert docs.updated_page(page) == page, "run: python -m grader.rubric.docs --write"


def test_every_field_is_described():
    for _, model in docs._models():
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_every_check_kind_is_documented():
    reference = docs.render_reference()
    for kind in BUILTIN_KINDS:
        assert f"kind: {kind.name}" in reference


def test_check_mode_reports_a_stale_page(tmp_path, capsys):
    page = tmp_path / "rubrics.md"
    page.write_text(f"# Rubrics\n\n{docs.BEGIN}\nold\n{docs.END}\n", encoding="utf-8")
    assert docs.main(["--check", "--page", str(page)]) == 1
    assert docs.main(["--write", "--page", str(page)]) == 0
    assert docs.main(["--check", "--page", str(page)]) == 0
    assert "| `slip_deduction` |" in page.read_text(encoding="utf-8")
