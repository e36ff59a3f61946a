"""Reading the small text files the grader takes from users (math contexts,
answer files, derivations, JSON Lines of pairs) within bounds: a size cap
checked while reading (``/dev/zero`` is refused, not read to the end of
memory), a nesting depth, no YAML aliases or explicit tags (a 300-byte alias
bomb expands to gigabytes), no lone surrogates. Each caller says which
``GraderError`` to raise; every refusal is one line saying what and where."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from grader.errors import GraderError

# The largest text file read whole (a context, an answer file, a derivation):
# far above any real one, far below what hurts a machine.
MAX_TEXT_BYTES = 5_000_000
# One line of a JSON Lines file: a longer one is refused by the item's own
# checks (an expression over 20,000 characters); past this, the file is not
# lines of pairs at all (``/dev/zero``) and reading stops.
MAX_LINE_BYTES = 64_000_000
MAX_DEPTH = 100  # nesting of JSON or YAML data
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_text_file(
    path: str | Path, *, error: type[GraderError], limit: int = MAX_TEXT_BYTES, what: str = ""
) -> str:
    """The UTF-8 text of ``path``, refusing what is not a regular file, is
    larger than ``limit`` bytes or is not UTF-8. ``what`` names the file in
    messages ("context file")."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            if not path.is_file():
                raise error("not a regular file", path=str(path))
            data = handle.read(limit + 1)
    except OSError as problem:
        reading = f"cannot read {what}" if what else "cannot read"
        raise error(f"{reading}: {problem.strerror}", path=str(path)) from None
    if len(data) > limit:
        raise error(f"larger than {limit:,} bytes: not read", path=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise error("not UTF-8 text", path=str(path), line=line) from None


def bounded_lines(
    stream: IO[str], *, where: str, error: type[GraderError], limit: int = MAX_LINE_BYTES
) -> Iterator[str]:
    """The lines of ``stream``, refusing a line longer than ``limit`` characters
    (a file with no newline, such as ``/dev/zero``, is not read whole)."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            raise error(f"line {number} is longer than {limit:,} characters", path=where)
        yield line


def parse_yaml_or_json(text: str, path: Path, *, error: type[GraderError]) -> Any:
    """JSON when the file ends in ``.json``, YAML otherwise; a syntax error
    raises ``error`` with ``path`` and the 1-based line. Data nested deeper
    than :data:`MAX_DEPTH`, YAML aliases and explicit tags are refused."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as problem:
            raise error(
                f"invalid JSON: {problem.msg}", path=str(path), line=problem.lineno
            ) from None
        except RecursionError:
            raise error(f"invalid JSON: nested deeper than {MAX_DEPTH}", path=str(path)) from None
        except ValueError:  # Python's limit on the digits of an integer
            raise error(_TOO_MANY_DIGITS.format("JSON"), path=str(path)) from None
    else:
        data = _load_yaml(text, path, error)
    _check_depth(data, path, error)
    return without_surrogates(data)


def _load_yaml(text: str, path: Path, error: type[GraderError]) -> Any:
    import yaml

    class _PlainLoader(yaml.SafeLoader):
        """Plain data only: an alias or an explicit tag is refused, so a small
        file cannot expand into a large one or construct anything unusual."""

        def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent):
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed here", event.start_mark
                )
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            explicit = not any(implicit) if isinstance(implicit, tuple) else not implicit
            if tag is not None and tag != "!" and explicit:
                raise yaml.composer.ComposerError(
                    None, None, f"tags ({tag}) are not allowed here", event.start_mark
                )
            if len(self.__dict__.setdefault("_depth_stack", [])) > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH}", event.start_mark
                )
            self._depth_stack.append(None)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth_stack.pop()

    try:
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        reason = getattr(problem, "problem", None) or "cannot parse"
        raise error(
            f"invalid YAML: {reason}", path=str(path), line=mark.line + 1 if mark else None
        ) from None
    except RecursionError:
        raise error(f"invalid YAML: nested deeper than {MAX_DEPTH}", path=str(path)) from None
    except ValueError:  # Python's limit on the digits of an integer
        raise error(_TOO_MANY_DIGITS.format("YAML"), path=str(path)) from None


_TOO_MANY_DIGITS = "invalid {}: a number with too many digits (write it as text in quotes)"


def _check_depth(data: Any, path: Path, error: type[GraderError]) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise error(f"data nested deeper than {MAX_DEPTH}", path=str(path))
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def without_surrogates(value: Any) -> Any:
    """Lone surrogates (``"\\ud800"`` in JSON) cannot be written as UTF-8
    anywhere later: each becomes U+FFFD here, where the text comes in."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    return value
