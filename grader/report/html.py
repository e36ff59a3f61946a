"""HTML feedback for one student, and the instructor's HTML summary of a batch.

Math is rendered in the browser by KaTeX (vendored from the npm package
``katex`` under ``grader/report/assets/katex/``, MIT licence), with its
auto-render extension over ``$...$``, ``$$...$$``, ``\\(...\\)`` and
``\\[...\\]``. No CDN: a page either inlines KaTeX (``assets="inline"``: CSS
with the fonts as data URIs, and the scripts, so the file works on its own,
offline) or links the copy that the batch puts next to it
(``assets="relative"``, ``asset_prefix`` pointing at the folder holding
``katex/``; ``copy_assets`` writes it).
"""

from __future__ import annotations

import base64
import html
import re
import shutil
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from grader.report._common import (
    decided_by,
    format_score,
    format_span,
    full_marks,
    part_spans,
    review_reasons,
)
from grader.report.models import GradeReport, PartReport

AssetMode = Literal["inline", "relative"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; }
.total { font-size: 1.3em; margin: 0.6em 0; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.part { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; margin: 1em 0; }
.part h3 { margin: 0.2em 0; font-size: 1.1em; }
.score { float: right; font-weight: bold; }
.full { border-left: 6px solid #3a9a3a; }
.lost { border-left: 6px solid #c0392b; }
.review { border-left: 6px solid #e6a100; }
.flag { background: #fff4d6; padding: 0.3em 0.6em; border-radius: 4px; }
.answer { white-space: pre-wrap; background: #fafafa; border: 1px solid #eee;
          padding: 0.5em; font-size: 0.95em; overflow-x: auto; }
.answer .katex-display { margin: 0.2em 0; }
.lines { color: #555; font-size: 0.9em; }
code { background: #f3f3f3; padding: 0 0.2em; }
img.chart { max-width: 100%; border: 1px solid #eee; }
"""

_RENDER_CALL = """
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [
      {left: "$$", right: "$$", display: true},
      {left: "\\\\[", right: "\\\\]", display: true},
      {left: "\\\\(", right: "\\\\)", display: false},
      {left: "$", right: "$", display: false}
    ],
    ignoredClasses: ["no-math"],
    throwOnError: false
  });
});
"""


def _assets_dir() -> Path:
    return Path(str(resources.files("grader.report").joinpath("assets")))


@lru_cache(maxsize=1)
def _inline_css() -> str:
    """katex.min.css with each font ``url(fonts/X.woff2)`` turned into a data URI
    (the woff/ttf fallbacks are dropped: every current browser reads woff2)."""
    katex = _assets_dir() / "katex"
    css = (katex / "katex.min.css").read_text(encoding="utf-8")

    def font_src(match: re.Match) -> str:
        sources = match.group(1)
        woff2 = re.search(r"url\((fonts/[^)]+\.woff2)\)", sources)
        if woff2 is None:
            return match.group(0)
        data = base64.b64encode((katex / woff2.group(1)).read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    return re.sub(r"src:([^;}]+)", font_src, css)


@lru_cache(maxsize=1)
def _inline_js() -> str:
    katex = _assets_dir() / "katex"
    return (
        (katex / "katex.min.js").read_text(encoding="utf-8")
        + "\n"
        + (katex / "contrib" / "auto-render.min.js").read_text(encoding="utf-8")
    )


def copy_assets(destination: Path) -> Path:
    """Copy the vendored KaTeX to ``destination/katex`` (for ``assets="relative"``)."""
    target = destination / "katex"
    shutil.copytree(_assets_dir() / "katex", target, dirs_exist_ok=True)
    return target


def _head(title: str, assets: AssetMode, asset_prefix: str) -> str:
    if assets == "inline":
        # '</script' inside the code would end the element early: escape it.
        script = _inline_js().replace("</script", "<\\/script")
        katex = f"<style>{_inline_css()}</style>\n<script>{script}</script>"
    else:
        base = asset_prefix.rstrip("/") + "/katex"
        katex = (
            f'<link rel="stylesheet" href="{html.escape(base)}/katex.min.css">\n'
            f'<script defer src="{html.escape(base)}/katex.min.js"></script>\n'
            f'<script defer src="{html.escape(base)}/contrib/auto-render.min.js"></script>'
        )
    # Deferred scripts run before DOMContentLoaded, so one call fits both modes.
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n{katex}\n"
        f"<script>{_RENDER_CALL}</script>\n</head>\n"
    )


def _part_html(part: PartReport) -> str:
    if part.needs_review:
        state = "review"
    elif full_marks(part.score, part.max_score):
        state = "full"
    else:
        state = "lost"
    out = [f'<section class="part {state}" id="{html.escape(part.id)}">']
    title = f"{part.id} {part.title}".strip()
    out.append(
        f'<h3>{html.escape(title)}<span class="score">{format_score(part.score)} / '
        f"{format_score(part.max_score)}</span></h3>"
    )
    spans = part_spans(part)
    if spans:
        out.append(
            '<p class="lines">Refers to '
            + ", ".join(html.escape(format_span(span)) for span in spans)
            + "</p>"
        )
    person = decided_by(part)
    if person:
        out.append(f'<p class="decided">{html.escape(person)}.</p>')
    feedback = [*part.feedback]
    for check in part.checks:
        feedback += [line for line in check.feedback if line not in feedback]
    if feedback:
        out.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in feedback) + "</ul>")
    if part.needs_review:
        reasons = review_reasons(part)
        out.append(
            '<p class="flag">A person will check this part'
            + (": " + html.escape("; ".join(reasons)) if reasons else ".")
            + "</p>"
        )
    answer = part.answer
    if answer is not None:
        if not answer.found:
            out.append("<p><em>No answer was found for this part.</em></p>")
        else:
            if answer.text:
                out.append(
                    "<details open><summary>Your answer</summary>"
                    f'<div class="answer">{html.escape(answer.text)}</div></details>'
                )
            if answer.read_as:
                items = "".join(
                    f'<li><code class="no-math">{html.escape(line)}</code></li>'
                    for line in answer.read_as
                )
                out.append(f"<details><summary>How it was read</summary><ul>{items}</ul></details>")
            if answer.repairs:
                items = "".join(f"<li>{html.escape(r)}</li>" for r in answer.repairs)
                out.append(f"<details><summary>OCR repairs</summary><ul>{items}</ul></details>")
    out.append("</section>")
    return "\n".join(out)


def render(
    report: GradeReport, *, assets: AssetMode = "inline", asset_prefix: str = "assets"
) -> str:
    """One student's feedback page: total, per-question table, then each part's
    score, feedback, the lines it refers to and the answer as read (math rendered)."""
    title = f"{report.submission.id}: {report.rubric.title or report.rubric.id}"
    out = [_head(title, assets, asset_prefix), "<body>"]
    out.append(f"<h1>{html.escape(report.rubric.title or report.rubric.id)}</h1>")
    out.append(
        f'<p class="meta">Submission <strong>{html.escape(report.submission.id)}</strong>'
        f" ({html.escape(report.submission.path)})</p>"
    )
    out.append(
        f'<p class="total">Total: <strong>{format_score(report.score)} / '
        f"{format_score(report.max_score)}</strong></p>"
    )
    if report.needs_review:
        out.append(
            '<p class="flag">Some parts will be checked by a person; the total may change.</p>'
        )
    if report.questions:
        out.append("<table><tr><th>Question</th><th>Score</th><th>Max</th></tr>")
        for question in report.questions:
            out.append(
                f"<tr><td>{html.escape((question.id + ' ' + question.title).strip())}</td>"
                f"<td>{format_score(question.score)}</td><td>{format_score(question.max_score)}</td></tr>"
            )
        out.append("</table>")
    for warning in report.warnings:
        out.append(f'<p class="flag">{html.escape(warning)}</p>')
    out += [_part_html(part) for part in report.parts]
    out.append("</body>\n</html>\n")
    return "\n".join(out)


def render_summary(
    stats,
    *,
    analysis=None,
    groups: list[dict] | None = None,
    feedback_links: dict[str, str] | None = None,
    assets: AssetMode = "inline",
    asset_prefix: str = "assets",
) -> str:
    """The instructor's summary of a batch (``stats``: ``grader.report.stats.BatchStats``):
    counts, failures with reasons, the item analysis (``analysis``:
    ``grader.report.item_analysis.ClassAnalysis``) with its charts as inline
    SVG, per-question statistics with a score distribution on a 0..max axis,
    most frequent feedback, and the review queue (``feedback_links``:
    submission id -> page URL); ``groups``: per part, its answer groups and
    the flagged ones (decide them with ``grader groups`` / ``grader decide``)."""
    from grader.report.svg_charts import histogram_svg, scatter_svg

    links = feedback_links or {}

    def student(sid: str) -> str:
        label = html.escape(sid)
        return f'<a href="{html.escape(links[sid])}">{label}</a>' if sid in links else label

    out = [_head("Batch summary", assets, asset_prefix), "<body>", "<h1>Batch summary</h1>"]
    out.append(
        "<ul>"
        f"<li>graded: {stats.graded}</li><li>failed: {len(stats.failed)}</li>"
        f"<li>needing review: {stats.needing_review} sheets, {len(stats.review_queue)} parts</li>"
    )
    if stats.totals:
        out.append(
            f"<li>total: mean {format_score(stats.total_mean)}, median "
            f"{format_score(stats.total_median)} of {format_score(stats.max_total)}</li>"
        )
    out.append("</ul>")
    if stats.totals:
        out.append(
            '<figure class="chart">'
            + histogram_svg(stats.totals, stats.max_total or 0, "Total score")
            + "</figure>"
        )
    if analysis is not None:
        out += _item_analysis_html(analysis, scatter_svg)
    if groups:
        out += _groups_html(groups)
    if stats.failed:
        out.append("<h2>Failed</h2><table><tr><th>Submission</th><th>Why</th></tr>")
        out += [
            f"<tr><td>{html.escape(sid)}</td><td>{html.escape(reason)}</td></tr>"
            for sid, reason in stats.failed
        ]
        out.append("</table>")
    for question in stats.questions:
        out.append(f"<h2>{html.escape((question.id + ' ' + question.title).strip())}</h2>")
        mean = format_score(question.mean) if question.mean is not None else "-"
        median = format_score(question.median) if question.median is not None else "-"
        out.append(
            f"<p>{question.count} sheets; mean {mean}, median {median} of "
            f"{format_score(question.max_score)}</p>"
        )
        if question.scores:
            title = f"{question.id} score"
            chart = histogram_svg(question.scores, question.max_score, title)
            out.append(f'<figure class="chart">{chart}</figure>')
        bars = question.distribution()
        if bars:
            out.append(
                "<table><tr><th>score</th>"
                + "".join(f"<td>{html.escape(label)}</td>" for label, _ in bars)
                + "</tr><tr><th>sheets</th>"
                + "".join(f"<td>{count}</td>" for _, count in bars)
                + "</tr></table>"
            )
        top = question.top_feedback()
        if top:
            out.append("<p>Most frequent feedback:</p><ul>")
            out += [f"<li>{count}x: {html.escape(line)}</li>" for line, count in top]
            out.append("</ul>")
    if stats.review_queue:
        out.append("<h2>Review queue</h2>")
        out.append(
            "<table><tr><th>Submission</th><th>Part</th><th>Score</th><th>Reason</th><th>Lines</th></tr>"
        )
        for item in stats.review_queue:
            out.append(
                f"<tr><td>{student(item.submission)}</td><td>{html.escape(item.part)}</td>"
                f"<td>{format_score(item.score)} / {format_score(item.max_score)}</td>"
                f"<td>{html.escape(item.reason)}</td><td>{html.escape(item.lines)}</td></tr>"
            )
        out.append("</table>")
    out.append("</body>\n</html>\n")
    return "\n".join(out)


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _item_analysis_html(analysis, scatter_svg) -> list[str]:
    """The item analysis table, the parts to check, and facility against
    discrimination as a scatter (docs/statistics.md)."""
    out = [
        "<h2>Item analysis</h2>",
        f"<p>{analysis.sheets} sheets; Cronbach's alpha {_number(analysis.alpha)}, "
        f"standard error of measurement {_number(analysis.standard_error)} "
        "(formulas and sources: docs/statistics.md)</p>",
        '<table class="items"><tr><th>item</th><th>max</th><th>mean</th><th>facility</th>'
        "<th>SD</th><th>discrimination</th><th>flagged</th></tr>",
    ]
    for item in [*analysis.questions, *analysis.parts]:
        out.append(
            f"<tr><td>{html.escape(item.id)}</td><td>{format_score(item.max_score)}</td>"
            f"<td>{format_score(item.mean)}</td><td>{_number(item.facility)}</td>"
            f"<td>{_number(item.standard_deviation)}</td><td>{_number(item.discrimination)}</td>"
            f"<td>{item.flagged_share:.0%}</td></tr>"
        )
    out.append("</table>")
    warnings = [
        (item.id, w) for item in [*analysis.questions, *analysis.parts] for w in item.warnings
    ]
    if warnings:
        out.append("<p>Check these parts' rubrics:</p><ul>")
        out += [
            f"<li>{html.escape(item_id)}: {html.escape(warning)}</li>"
            for item_id, warning in warnings
        ]
        out.append("</ul>")
    points = [
        (item.id, item.facility, item.discrimination)
        for item in analysis.parts
        if item.facility is not None and item.discrimination is not None
    ]
    if points:
        chart = scatter_svg(
            points,
            "Parts: facility against discrimination",
            "facility (mean / max)",
            "discrimination (r with the rest)",
            sheets=analysis.sheets,
        )
        out.append(f'<figure class="chart">{chart}</figure>')
    return out


def _groups_html(groups: list[dict]) -> list[str]:
    """Answer groups per part: decide a flagged group once (docs/review.md)."""
    out = [
        "<h2>Answer groups</h2>",
        "<p>Answers grouped by what the grader read; a flagged group is decided once "
        "(<code>grader groups</code>, <code>grader decide</code>, or the review page).</p>",
        '<table class="groups"><tr><th>part</th><th>answers</th><th>groups</th>'
        "<th>flagged groups</th></tr>",
    ]
    for row in groups:
        flagged = "; ".join(
            f"[{group['key']}] {group['size']} answers ({group['flagged']} flagged), "
            f"{format_score(group['score'])}/{format_score(group['max_score'])}: "
            f"{group['reading']}"
            for group in row["flagged"]
        )
        out.append(
            f"<tr><td>{html.escape(row['part'])}</td><td>{row['answers']}</td>"
            f"<td>{row['groups']}</td><td>{html.escape(flagged) or '-'}</td></tr>"
        )
    out.append("</table>")
    return out
