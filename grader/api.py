"""The public Python API. The CLI and the HTTP service call these functions;
they hold no grading logic of their own.
"""

from __future__ import annotations
