"""The one format registry: every output format, described once, read by the
command line (``grader grade --format``), the batch (``--out`` per-student
files) and the HTTP service (``?format=``).

Two signatures, whatever the format:

* one report: ``render_one(report, options) -> str``;
* many reports: ``render_many(reports, failed) -> str``, ``failed`` mapping
  the id of each submission that could not be graded to its reason (formats
  that list every student, the gradebook and JUnit, give it a row).

Add a format by writing its renderer module, a small adapter here (the one
and, if it lists many reports differently, the many signature) and one
``ReportFormat`` line in ``FORMATS``; with ``out_folder`` set, ``--out`` writes one file per student
under that folder too. Renderer modules are imported when a format is used,
so ``grader --help`` imports none of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from grader.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - the models import pydantic
    from grader.report.models import GradeReport

AssetMode = Literal["inline", "relative"]


@dataclass(frozen=True)
class RenderOptions:
    """What may change between two renderings of one report.

    ``student``: the student's view (``grader check``); ``assets`` and
    ``asset_prefix``: where an HTML page finds KaTeX (inline, or files next to
    it in an ``--out`` folder); ``execution_time``: seconds, for formats that
    carry it (Gradescope)."""

    student: bool = False
    assets: AssetMode = "inline"
    asset_prefix: str = "assets"
    execution_time: float | None = None


RenderOne = Callable[["GradeReport", RenderOptions], str]
RenderMany = Callable[[Sequence["GradeReport"], Mapping[str, str]], str]


# --- the renderers, one adapter per format (each imports its module when used)


def _text(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import terminal

    return terminal.render(report, student=options.student)


def _json(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import json as json_report

    return json_report.render(report, indent=2)


def _json_lines(reports: Sequence[GradeReport], failed: Mapping[str, str]) -> str:
    from grader.report import json as json_report

    return "\n".join(json_report.render(report, indent=None) for report in reports)


def _markdown(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import markdown

    return markdown.render(report)


def _csv(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import csv

    return csv.render(report)


def _csv_many(reports: Sequence[GradeReport], failed: Mapping[str, str]) -> str:
    from grader.report import csv

    return csv.render(reports, failed=list(failed))


def _gradescope(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import gradescope

    if options.execution_time is None:
        return gradescope.render(report)
    return gradescope.render(report, execution_time=options.execution_time)


def _gradescope_many(reports: Sequence[GradeReport], failed: Mapping[str, str]) -> str:
    from grader.report import gradescope

    if len(reports) == 1 and not failed:
        return gradescope.render(reports[0])
    # several: JSON Lines, one results.json per line, like --format json
    return "\n".join(json.dumps(gradescope.to_dict(r), ensure_ascii=False) for r in reports)


def _junit(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import junit

    return junit.render(report)


def _junit_many(reports: Sequence[GradeReport], failed: Mapping[str, str]) -> str:
    from grader.report import junit

    return junit.render(reports, failed=dict(failed))


def _html(report: GradeReport, options: RenderOptions) -> str:
    from grader.report import html

    return html.render(report, assets=options.assets, asset_prefix=options.asset_prefix)


@dataclass(frozen=True)
class ReportFormat:
    """One output format: how to render one report and many, its file suffix
    and media type, and (``out_folder``) where ``--out`` puts one file per
    student. ``separator``: for formats whose many-report output is the
    one-report outputs joined, the text between two, so that the command line
    can print each report as soon as it is graded. ``many`` is None for a
    format that only makes sense for one report (an HTML page)."""

    name: str
    suffix: str
    media_type: str
    description: str
    one: RenderOne
    many: RenderMany | None = None
    out_folder: str | None = None
    separator: str | None = None

    def render_one(self, report: GradeReport, options: RenderOptions | None = None) -> str:
        return self.one(report, options or RenderOptions())

    def render_many(
        self, reports: Sequence[GradeReport], failed: Mapping[str, str] | None = None
    ) -> str:
        failed = failed or {}
        if self.many is not None:
            return self.many(reports, failed)
        if self.separator is None:
            raise InputError(
                f"--format {self.name} prints one submission; use --out DIR for several"
            )
        return self.separator.join(self.render_one(r).rstrip("\n") for r in reports)


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat(
            "text", ".txt", "text/plain", "a summary for the terminal", _text, separator="\n\n"
        ),
        ReportFormat(
            "json",
            ".json",
            "application/json",
            "the grader.report/1 document (JSON Lines for several)",
            _json,
            many=_json_lines,
            separator="\n",
        ),
        ReportFormat(
            "md",
            ".md",
            "text/markdown",
            "a feedback sheet",
            _markdown,
            out_folder="feedback",
            separator="\n\n---\n\n",
        ),
        ReportFormat("csv", ".csv", "text/csv", "the gradebook", _csv, many=_csv_many),
        ReportFormat(
            "gradescope",
            ".json",
            "application/json",
            "Gradescope results.json",
            _gradescope,
            many=_gradescope_many,
            out_folder="gradescope",
        ),
        ReportFormat("junit", ".xml", "application/xml", "JUnit XML", _junit, many=_junit_many),
        ReportFormat("html", ".html", "text/html", "a feedback page", _html, out_folder="feedback"),
    )
}


def get_format(name: str) -> ReportFormat:
    """The format called ``name``; an unknown one is bad input."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; one of {', '.join(FORMATS)}") from None


def out_formats(names: Iterable[str] | None = None) -> list[ReportFormat]:
    """The formats written per student under ``--out`` (all, or those in ``names``)."""
    return [
        fmt
        for fmt in FORMATS.values()
        if fmt.out_folder is not None and (names is None or fmt.name in names)
    ]
