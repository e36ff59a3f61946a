"""Starting the service: settings from the command line, then uvicorn."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.errors import InputError


def build_settings(
    *,
    rubric_paths: list[str],
    workers: int = 2,
    token: str | None = None,
    rate_per_minute: float = 120.0,
    max_body_bytes: int = 2_000_000,
    request_timeout: float = 30.0,
    results: list[str] = (),
    review_database: str | None = None,
    hide_scores: bool = False,
    checks_per_part: int = 0,
    checks_window: str | float = "24h",
    release: list[str] = (),
    student_tokens: str | None = None,
    **limits,
):
    """Check the rubric paths and make ``ServiceSettings`` (exam id = file stem);
    ``results`` are ``EXAM=DIR`` (or a bare DIR when one rubric is served);
    ``limits``: more ``ServiceSettings`` fields (timeouts, in-flight limits ...)."""
    from grader.service.app import ServiceSettings

    rubrics: dict[str, Path] = {}
    for raw in rubric_paths:
        path = Path(raw)
        if not path.is_file():
            raise InputError("rubric file not found", path=str(path))
        if path.stem in rubrics:
            raise InputError(f"two rubrics have the exam id {path.stem!r}", path=str(path))
        rubrics[path.stem] = path
    classes: dict[str, Path] = {}
    for raw in results:
        exam_id, sep, folder = raw.partition("=")
        if not sep:
            if len(rubrics) != 1:
                raise InputError(f"--results {raw}: write EXAM=DIR when serving several exams")
            exam_id, folder = next(iter(rubrics)), raw
        if exam_id not in rubrics:
            raise InputError(f"--results {raw}: no rubric served for exam {exam_id!r}")
        if not Path(folder).is_dir():
            raise InputError("results folder not found", path=folder)
        classes[exam_id] = Path(folder)
    from grader.service.self_check import read_student_tokens

    tokens = None
    if student_tokens is not None:
        try:
            tokens = read_student_tokens(student_tokens)
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read student tokens: {error}", path=student_tokens) from None
    return ServiceSettings(
        hide_scores=hide_scores,
        checks_per_part=checks_per_part,
        checks_window=parse_duration(checks_window),
        release=release_schedule(release, rubrics),
        student_tokens=tokens,
        rubrics=rubrics,
        results=classes,
        review_database=review_database,
        instructor_token=token or secrets.token_urlsafe(24),
        workers=workers,
        request_timeout=request_timeout,
        max_body_bytes=max_body_bytes,
        max_answer_chars=max_body_bytes,
        rate_per_minute=rate_per_minute,
        **limits,
    )


def parse_duration(text: str | float) -> float:
    """``--checks-window``: seconds, or a number with s, min/m, h or d (``24h``)."""
    if isinstance(text, (int, float)):
        return float(text)
    raw = text.strip().lower()
    units = {"s": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}
    for unit in sorted(units, key=len, reverse=True):
        if raw.endswith(unit):
            number, scale = raw[: -len(unit)], units[unit]
            break
    else:
        number, scale = raw, 1
    try:
        seconds = float(number) * scale
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise InputError(f"--checks-window {text!r}: a duration like 3600, 30min, 24h or 7d")
    return seconds


def release_schedule(values: list[str], rubrics: dict[str, Path]):
    """``--release [EXAM:]PART=WHEN`` (PART: a part ``q2.c`` or a whole
    question ``q2``; WHEN: ISO 8601, UTC without a zone)."""
    from grader.service.self_check import ReleaseSchedule, parse_when

    schedule = ReleaseSchedule()
    for raw in values:
        target, sep, when = raw.partition("=")
        exam_id, colon, part_id = target.rpartition(":")
        if not colon:
            if len(rubrics) != 1:
                raise InputError(
                    f"--release {raw}: write EXAM:PART=WHEN when serving several exams"
                )
            exam_id = next(iter(rubrics))
        if not sep or not part_id.strip():
            raise InputError(f"--release {raw}: write PART=WHEN, e.g. q2=2026-12-10T09:00Z")
        if exam_id not in rubrics:
            raise InputError(f"--release {raw}: no rubric served for exam {exam_id!r}")
        try:
            opens = parse_when(when)
        except ValueError:
            raise InputError(f"--release {raw}: {when!r} is not an ISO 8601 date or time") from None
        schedule.opens.setdefault(exam_id, {})[part_id.strip()] = opens
    return schedule


def run_service(
    *,
    rubric_paths: list[str],
    host: str,
    port: int,
    announce: Callable[[str], None] = print,
    token: str | None = None,
    **options,
) -> None:
    """Serve until interrupted. Needs the ``[serve]`` extra (FastAPI, uvicorn)."""
    try:
        import uvicorn

        from grader.service.app import create_app
    except ImportError as missing:
        raise InputError(
            f"grader serve needs the [serve] extra ({missing.name} is missing): "
            "pip install 'grader[serve]'"
        ) from None
    trusted_proxies = options.pop("trusted_proxies", ())
    settings = build_settings(rubric_paths=rubric_paths, token=token, **options)
    app = create_app(settings)
    if not token:
        announce(f"instructor token: {settings.instructor_token}")
    announce(f"grader serving {', '.join(settings.rubrics)} on http://{host}:{port}/")
    uvicorn.run(
        app,
        host=host,
        port=port,
        **server_options(trusted_proxies, header_timeout=settings.header_timeout),
    )


def server_options(trusted_proxies: Sequence[str] = (), *, header_timeout: float = 10.0) -> dict:
    """uvicorn's options: ``X-Forwarded-For`` is believed only from the given
    proxy addresses (uvicorn believes 127.0.0.1 by default, so any local
    client could pick its own address and slip past the rate limit); idle
    connections are closed after 5 s; a request's headers must arrive within
    ``header_timeout`` seconds (408 and closed otherwise), and be at most
    16 KB; WebSockets off (the service has none)."""
    from grader.service.connections import with_header_timeout

    return {
        "log_level": "warning",
        "proxy_headers": bool(trusted_proxies),
        "forwarded_allow_ips": ",".join(trusted_proxies) if trusted_proxies else "",
        "timeout_keep_alive": 5,
        "http": with_header_timeout(header_timeout),
        "h11_max_incomplete_event_size": 16 * 1024,
        "ws": "none",
    }
