"""The HTTP service behind ``grader serve`` (optional extra ``[serve]``).

Routes call ``grader.api`` in a worker pool; the service has no grading logic
of its own. ``create_app`` builds the ASGI app.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "ServiceSettings"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing grader.service does not need FastAPI until used.
    if name in __all__:
        from grader.service import app

        return getattr(app, name)
    raise AttributeError(name)
