"""The whole-batch files of an ``--out`` folder (gradebook, JUnit, review
queue, summaries, charts), built from the result store one report at a time,
and the lines ``grader grade --out`` prints at the end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from grader.batch.sheets import render_outputs
from grader.batch.store import read_record, write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from grader.batch.run import BatchResult
    from grader.report.stats import StatsCollector


def final_marks(out: Path, database: str | None, rubric_id: str):
    """A function giving each report its final marks (people's decisions
    applied), from ``database`` or the out folder's ``decisions.sqlite``;
    None when there is no decision database."""
    from grader import review

    where = database or out / "decisions.sqlite"
    if database is None and not Path(where).exists():
        return None
    with review.open_store(where) as store:
        current = store.current(rubric_id)
    if not current:
        return None
    return lambda report: review.apply_decisions(report, current)


def write_batch_files(
    result: BatchResult,
    collector: StatsCollector,
    *,
    final=None,
    formats: frozenset[str] = frozenset(),
) -> dict[str, Path]:
    """The whole-batch files, from the results on disk (one report in memory at a time).

    ``final`` (see :func:`final_marks`) gives each report its final marks:
    the gradebook, JUnit, summaries and review queue use them, and the
    per-student files (``formats``) of a report a person changed are written
    again from its final marks. The result records keep the grader's own."""
    import csv as csv_module
    import io

    from grader.report import csv as gradebook
    from grader.report import html, junit
    from grader.report.item_analysis import ItemAnalysisCollector
    from grader.report.models import GradeReport
    from grader.report.stats import summary_markdown
    from grader.review.groups import AnswerGroupCollector

    out = result.out_dir
    assert out is not None
    columns: dict[str, tuple[str, str, float]] = {}
    rows = []
    suites = []
    links: dict[str, str] = {}
    items = ItemAnalysisCollector()
    answer_groups = AnswerGroupCollector()
    for outcome in result.outcomes:
        item = outcome.item
        if outcome.status != "graded":
            collector.add_failure(item.id, outcome.reason)
            suites.append(junit.failure_testsuite(item.id, outcome.reason, time=outcome.elapsed))
            continue
        record = read_record(out / "results" / f"{item.name}.json")
        report = GradeReport.model_validate(record["report"])
        if final is not None:
            decided = final(report)
            if decided != report:
                report = decided
                for where, text in render_outputs(
                    report, formats, outcome.elapsed, item.name
                ).items():
                    write_atomic(out / where, text, fsync=False)
        collector.add(report)
        items.add(report)
        answer_groups.add(report)
        for question in report.questions:
            columns.setdefault(question.id, (question.id, question.title, question.max_score))
        rows.append(gradebook.gradebook_row(report))
        suites.append(junit.testsuite(report, time=outcome.elapsed))
        if (out / "feedback" / f"{item.name}.html").exists():
            links[report.submission.id] = f"feedback/{item.name}.html"
    stats = collector.result()
    files = {
        "gradebook": out / "gradebook.csv",
        "junit": out / "junit.xml",
        "review_queue": out / "review-queue.csv",
        "summary_md": out / "summary.md",
        "summary_html": out / "summary.html",
        "summary_json": out / "summary.json",
    }
    failed_ids = [outcome.item.id for outcome in result.outcomes if outcome.status == "failed"]
    write_atomic(
        files["gradebook"], gradebook.render_rows(list(columns.values()), rows, failed=failed_ids)
    )
    write_atomic(files["junit"], junit.render_suites(suites))

    queue = io.StringIO()
    writer = csv_module.writer(queue, lineterminator="\r\n")
    writer.writerow(["submission", "part", "score", "max_score", "reason", "lines"])
    from grader.report import format_score

    for entry in stats.review_queue:
        writer.writerow(
            [
                entry.submission,
                entry.part,
                format_score(entry.score),
                format_score(entry.max_score),
                entry.reason,
                entry.lines,
            ]
        )
    for sid, reason in stats.failed:
        writer.writerow([sid, "*", "", "", f"not graded: {reason}", ""])
    write_atomic(files["review_queue"], queue.getvalue())

    analysis = items.result() if items.totals else None
    groups = _group_rows(answer_groups.result())
    write_atomic(files["summary_md"], summary_markdown(stats))
    write_atomic(
        files["summary_html"],
        html.render_summary(
            stats, analysis=analysis, groups=groups, feedback_links=links, assets="relative"
        ),
    )
    summary = {
        "graded": stats.graded,
        "failed": [{"id": sid, "reason": reason} for sid, reason in stats.failed],
        "needing_review": stats.needing_review,
        "graded_now": result.graded_now,
        "reused": result.reused,
        "total": {"mean": stats.total_mean, "median": stats.total_median, "max": stats.max_total},
        "questions": [
            {
                "id": q.id,
                "title": q.title,
                "max_score": q.max_score,
                "mean": q.mean,
                "median": q.median,
                "distribution": q.distribution(),
                "top_feedback": q.top_feedback(),
            }
            for q in stats.questions
        ],
        "item_analysis": analysis.to_dict() if analysis is not None else None,
        "answer_groups": groups,
    }
    write_atomic(files["summary_json"], json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return files


def _group_rows(found: dict) -> list[dict]:
    """Per part, the answer groups (docs/review.md) as plain rows for the
    summary: the number of groups and the flagged ones, largest first."""
    rows = []
    for part_id, part_groups in found.items():
        flagged = [g for g in part_groups if g.flagged]
        rows.append(
            {
                "part": part_id,
                "answers": sum(g.size for g in part_groups),
                "groups": len(part_groups),
                "flagged": [
                    {
                        "key": g.key,
                        "size": g.size,
                        "flagged": g.flagged,
                        "score": g.score,
                        "max_score": g.max_score,
                        "reading": g.reading[0] if g.reading else "",
                    }
                    for g in flagged
                ],
            }
        )
    return rows


def summary_lines(result: BatchResult) -> list[str]:
    """What `grader grade --out` prints at the end: counts, failures with their
    reasons, per-question means, and where the files are."""
    from grader.report import format_score

    stats = result.stats
    lines = [
        f"graded {stats.graded}, failed {len(stats.failed)}, needing review "
        f"{stats.needing_review} ({len(stats.review_queue)} parts)"
        + (f"; {result.reused} reused from an earlier run" if result.reused else "")
    ]
    lines += [f"failed: {sid}: {reason}" for sid, reason in stats.failed]
    for question in stats.questions:
        if question.scores:
            lines.append(
                f"{question.id}: mean {format_score(question.mean)}, median "
                f"{format_score(question.median)} of {format_score(question.max_score)}"
            )
    if result.out_dir is not None:
        names = ", ".join(path.name for path in result.files.values())
        from grader.report.formats import out_formats

        folders = "".join(
            f"{folder}/, " for folder in dict.fromkeys(f.out_folder for f in out_formats())
        )
        lines.append(f"written to {result.out_dir}: results/, {folders}{names}")
    return lines


def cache_line(result: BatchResult) -> str | None:
    """How much the class cache shared over the sheets graded now (printed on
    stderr with the progress: stdout's closing lines are a contract), or None."""
    if not result.cache_lookups:
        return None
    share = 100 * result.cache_hits / result.cache_lookups
    return (
        f"class cache: {result.cache_hits} of {result.cache_lookups} engine results "
        f"reused ({share:.0f}%)"
    )


def refresh_batch_files(out_dir: str | Path, database: str | None = None) -> dict[str, Path]:
    """Write an out folder's whole-batch and changed per-student files again
    from its results with the people's decisions applied (after `grader
    decide`, `grader import-marks` or a regrade request's answer)."""
    from grader.batch.run import BatchItem, BatchResult, Outcome, all_out_formats
    from grader.report.stats import StatsCollector

    out = Path(out_dir)
    outcomes = []
    rubric_id = None
    for path in sorted((out / "results").glob("*.json")):
        record = read_record(path)
        if record is None:
            continue
        submission = record.get("submission") or {}
        item = BatchItem(
            id=str(submission.get("id", path.stem)),
            path=Path(str(submission.get("path", path.stem))),
            name=path.stem,
        )
        outcomes.append(
            Outcome(
                item=item,
                status=record.get("status", "failed"),
                reason=record.get("reason", ""),
                elapsed=record.get("elapsed", 0.0),
                reused=True,
            )
        )
        report = record.get("report") or {}
        rubric_id = rubric_id or (report.get("rubric") or {}).get("id")
    if not outcomes or rubric_id is None:
        return {}
    result = BatchResult(out_dir=out, outcomes=outcomes, stats=None, reused=len(outcomes))
    final = final_marks(out, database, rubric_id)
    return write_batch_files(result, StatsCollector(), final=final, formats=all_out_formats())
