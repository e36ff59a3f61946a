"""Starting the service: settings from the command line, then uvicorn."""

from __future__ import annotations

import secrets
from collections.abc import Callable
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
):
    """Check the rubric paths and make ``ServiceSettings`` (exam id = file stem)."""
    from grader.service.app import ServiceSettings

    rubrics: dict[str, Path] = {}
    for raw in rubric_paths:
        path = Path(raw)
        if not path.is_file():
            raise InputError("rubric file not found", path=str(path))
        if path.stem in rubrics:
            raise InputError(f"two rubrics have the exam id {path.stem!r}", path=str(path))
        rubrics[path.stem] = path
    return ServiceSettings(
        rubrics=rubrics,
        instructor_token=token or secrets.token_urlsafe(24),
        workers=workers,
        request_timeout=request_timeout,
        max_body_bytes=max_body_bytes,
        max_answer_chars=max_body_bytes,
        rate_per_minute=rate_per_minute,
    )


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
    settings = build_settings(rubric_paths=rubric_paths, token=token, **options)
    app = create_app(settings)
    if not token:
        announce(f"instructor token: {settings.instructor_token}")
    announce(f"grader serving {', '.join(settings.rubrics)} on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning")
