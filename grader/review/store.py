"""Decisions that last: a person's marks, stored with who, when, the old and
the new mark and the reason.

One schema, with migrations, in SQLite (the embedded default: a file beside
the results, nothing to start) or PostgreSQL (``postgresql://...``, a
department's shared server; needs the ``[postgres]`` extra).

The ``decisions`` table is append-only: every decision is a row, and the one
that counts for an answer is the latest (highest id). So two people deciding
the same group at once both leave their decision in the trail and the last
write wins; nothing is overwritten or lost.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import GraderError

__all__ = ["Decision", "DecisionStore", "RegradeRequest", "StoreError", "open_store"]


class StoreError(GraderError):
    """The decision database cannot be opened or used."""


@dataclass(frozen=True)
class Decision:
    """A person's decision on one student's answer to one part.

    ``mark`` None keeps the grader's mark (feedback only, or a form accepted
    for good). ``answer_hash`` and ``part_hash`` are what the decision was
    made on: when either changes at a regrade, the decision no longer applies
    and the answer goes back to review.
    """

    rubric_id: str
    part_id: str
    submission_id: str
    answer_hash: str
    part_hash: str
    author: str
    mark: float | None = None
    feedback: str = ""
    reason: str = ""
    accept_form: bool = False  # "accept this form for good": a proposed rubric change
    grader_mark: float | None = None  # the grader's mark when the decision was made
    previous_mark: float | None = None  # the mark it replaced (a person's or the grader's)
    group_key: str | None = None
    source: str = "review"  # "review", "csv import", "regrade request", ...
    decided_at: str = ""
    id: int | None = None


@dataclass(frozen=True)
class RegradeRequest:
    """A student's request to look again at a part, and the answer to it."""

    id: int
    rubric_id: str
    part_id: str
    submission_id: str
    message: str
    status: str  # "open" | "answered"
    answer: str
    answered_by: str
    created_at: str
    answered_at: str


_REQUEST_COLUMNS = (
    "id",
    "rubric_id",
    "part_id",
    "submission_id",
    "message",
    "status",
    "answer",
    "answered_by",
    "created_at",
    "answered_at",
)
MAX_MESSAGE_CHARS = 4000


# version -> statements; a new version appends, never edits an old one
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE decisions (
            id {id_column},
            rubric_id TEXT NOT NULL,
            part_id TEXT NOT NULL,
            submission_id TEXT NOT NULL,
            answer_hash TEXT NOT NULL,
            part_hash TEXT NOT NULL,
            author TEXT NOT NULL,
            mark DOUBLE PRECISION,
            feedback TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            accept_form INTEGER NOT NULL DEFAULT 0,
            grader_mark DOUBLE PRECISION,
            previous_mark DOUBLE PRECISION,
            group_key TEXT,
            source TEXT NOT NULL DEFAULT 'review',
            decided_at TEXT NOT NULL
        )""",
        "CREATE INDEX decisions_answer ON decisions (rubric_id, part_id, submission_id, id)",
    ],
    2: [
        """CREATE TABLE regrade_requests (
            id {id_column},
            rubric_id TEXT NOT NULL,
            part_id TEXT NOT NULL,
            submission_id TEXT NOT NULL,
            message TEXT NOT NULL,
            secret_sha256 TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            answer TEXT NOT NULL DEFAULT '',
            answered_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            answered_at TEXT NOT NULL DEFAULT ''
        )""",
    ],
}
SCHEMA_VERSION = max(_MIGRATIONS)
_COLUMNS = (
    "rubric_id",
    "part_id",
    "submission_id",
    "answer_hash",
    "part_hash",
    "author",
    "mark",
    "feedback",
    "reason",
    "accept_form",
    "grader_mark",
    "previous_mark",
    "group_key",
    "source",
    "decided_at",
)


class DecisionStore:
    """Decisions in a SQLite file or a PostgreSQL database."""

    def __init__(self, connection: Any, dialect: str, where: str):
        self._connection = connection
        self.dialect = dialect  # "sqlite" | "postgresql"
        self.where = where
        self._migrate()

    # ------------------------------------------------------------ plumbing

    def _sql(self, statement: str) -> str:
        if self.dialect == "postgresql":
            return statement.replace("?", "%s")
        return statement

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        cursor = self._connection.cursor()
        try:
            if self.dialect == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")  # one writer at a time, no lost update
            yield cursor
            self._connection.commit()
        except BaseException:
            self._connection.rollback()
            raise
        finally:
            cursor.close()

    def _migrate(self) -> None:
        id_column = (
            "INTEGER PRIMARY KEY AUTOINCREMENT"
            if self.dialect == "sqlite"
            else "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        )
        with self._transaction() as cursor:
            if self.dialect == "postgresql":
                # two processes opening a new database at once migrate it once
                cursor.execute("SELECT pg_advisory_xact_lock(72101)")
            cursor.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cursor.execute("SELECT MAX(version) FROM schema_version")
            row = cursor.fetchone()
            current = row[0] if row and row[0] is not None else 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.where}: the decision database has schema version {current}, "
                    f"newer than this grader's {SCHEMA_VERSION}: upgrade grader"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    cursor.execute(statement.format(id_column=id_column))
                cursor.execute(
                    self._sql("INSERT INTO schema_version (version) VALUES (?)"), (version,)
                )

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> DecisionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing

    def record(self, decisions: Iterable[Decision]) -> list[Decision]:
        """Store decisions in one transaction; each gets its id, time and the
        mark it replaces (the answer's latest decision's, else the grader's)."""
        stored = []
        now = _now()
        with self._transaction() as cursor:
            for decision in decisions:
                if not decision.author.strip():
                    raise StoreError("a decision needs an author (who decided)")
                cursor.execute(
                    self._sql(
                        "SELECT mark, grader_mark FROM decisions WHERE rubric_id = ? AND part_id = ? "
                        "AND submission_id = ? ORDER BY id DESC LIMIT 1"
                    ),
                    (decision.rubric_id, decision.part_id, decision.submission_id),
                )
                row = cursor.fetchone()
                previous = decision.grader_mark
                if row is not None:
                    previous = row[0] if row[0] is not None else row[1]
                decision = replace(
                    decision, previous_mark=previous, decided_at=decision.decided_at or now
                )
                values = [getattr(decision, column) for column in _COLUMNS]
                values[_COLUMNS.index("accept_form")] = int(decision.accept_form)
                statement = (
                    f"INSERT INTO decisions ({', '.join(_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
                )
                if self.dialect == "postgresql":
                    cursor.execute(self._sql(statement + " RETURNING id"), values)
                    new_id = cursor.fetchone()[0]
                else:
                    cursor.execute(statement, values)
                    new_id = cursor.lastrowid
                stored.append(replace(decision, id=int(new_id)))
        return stored

    # ------------------------------------------------------------ reading

    def _rows(self, where: str, arguments: tuple) -> list[Decision]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(
                self._sql(f"SELECT id, {', '.join(_COLUMNS)} FROM decisions {where} ORDER BY id"),
                arguments,
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if self.dialect == "postgresql":
            self._connection.commit()  # end the read transaction
        decisions = []
        for row in rows:
            values = dict(zip(("id", *_COLUMNS), row, strict=True))
            values["accept_form"] = bool(values["accept_form"])
            decisions.append(Decision(**values))
        return decisions

    def history(
        self, rubric_id: str, part_id: str | None = None, submission_id: str | None = None
    ) -> list[Decision]:
        """Every decision, oldest first: the audit trail."""
        clauses, arguments = ["rubric_id = ?"], [rubric_id]
        if part_id is not None:
            clauses.append("part_id = ?")
            arguments.append(part_id)
        if submission_id is not None:
            clauses.append("submission_id = ?")
            arguments.append(submission_id)
        return self._rows("WHERE " + " AND ".join(clauses), tuple(arguments))

    # ------------------------------------------------------------ regrade requests

    def request_regrade(
        self, rubric_id: str, part_id: str, submission_id: str, message: str
    ) -> tuple[RegradeRequest, str]:
        """Store a student's request; returns it and the secret the student
        keeps to read the answer (only its hash is stored)."""
        message = message.strip()
        if not message:
            raise StoreError("a regrade request needs a message (what should be looked at)")
        if len(message) > MAX_MESSAGE_CHARS:
            raise StoreError(
                f"a regrade request message is limited to {MAX_MESSAGE_CHARS} characters"
            )
        secret = secrets.token_urlsafe(16)
        values = (rubric_id, part_id, submission_id, message, _secret_hash(secret), _now())
        statement = (
            "INSERT INTO regrade_requests (rubric_id, part_id, submission_id, message, "
            "secret_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        )
        with self._transaction() as cursor:
            if self.dialect == "postgresql":
                cursor.execute(self._sql(statement + " RETURNING id"), values)
                new_id = int(cursor.fetchone()[0])
            else:
                cursor.execute(statement, values)
                new_id = int(cursor.lastrowid)
        (request,) = self._requests("WHERE id = ?", (new_id,))
        return request, secret

    def _requests(self, where: str, arguments: tuple) -> list[RegradeRequest]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(
                self._sql(
                    f"SELECT {', '.join(_REQUEST_COLUMNS)} FROM regrade_requests {where} ORDER BY id"
                ),
                arguments,
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if self.dialect == "postgresql":
            self._connection.commit()
        return [RegradeRequest(**dict(zip(_REQUEST_COLUMNS, row, strict=True))) for row in rows]

    def regrade_requests(self, rubric_id: str, status: str | None = None) -> list[RegradeRequest]:
        """The requests for an exam, oldest first (only open ones with ``status="open"``)."""
        if status is None:
            return self._requests("WHERE rubric_id = ?", (rubric_id,))
        return self._requests("WHERE rubric_id = ? AND status = ?", (rubric_id, status))

    def regrade_request(self, request_id: int, secret: str) -> RegradeRequest | None:
        """The request, for the student who holds its secret (None otherwise)."""
        cursor = self._connection.cursor()
        try:
            cursor.execute(
                self._sql("SELECT secret_sha256 FROM regrade_requests WHERE id = ?"), (request_id,)
            )
            row = cursor.fetchone()
        finally:
            cursor.close()
        if self.dialect == "postgresql":
            self._connection.commit()
        if row is None or not hmac.compare_digest(row[0], _secret_hash(secret)):
            return None
        (request,) = self._requests("WHERE id = ?", (request_id,))
        return request

    def answer_regrade(self, request_id: int, answer: str, author: str) -> RegradeRequest:
        """Answer a request (the mark, if it changes, is a decision of its own)."""
        if not author.strip():
            raise StoreError("an answer needs an author (who answered)")
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE regrade_requests SET status = 'answered', answer = ?, "
                    "answered_by = ?, answered_at = ? WHERE id = ?"
                ),
                (answer.strip(), author, _now(), request_id),
            )
            if cursor.rowcount == 0:
                raise StoreError(f"no regrade request {request_id}")
        (request,) = self._requests("WHERE id = ?", (request_id,))
        return request

    def current(self, rubric_id: str) -> dict[tuple[str, str], Decision]:
        """(part id, submission id) -> the decision that counts (the latest)."""
        found: dict[tuple[str, str], Decision] = {}
        for decision in self.history(rubric_id):
            found[(decision.part_id, decision.submission_id)] = decision
        return found


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_store(where: str | Path) -> DecisionStore:
    """A decision store: ``postgresql://...`` (or ``postgres://``), ``sqlite:///path``
    or a file path (SQLite, created with its folder if missing)."""
    text = str(where)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "PostgreSQL needs the [postgres] extra: pip install 'grader[postgres]'"
            ) from None
        try:
            connection = psycopg.connect(text, connect_timeout=10)
        except psycopg.Error as error:
            raise StoreError(f"cannot connect to {_without_password(text)}: {error}") from None
        return DecisionStore(connection, "postgresql", _without_password(text))
    path = Path(text[len("sqlite:///") :] if text.startswith("sqlite:///") else text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"{path}: cannot open the decision database: {error}") from None
    try:
        connection.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        return DecisionStore(_SqliteAutocommit(connection), "sqlite", str(path))
    except sqlite3.DatabaseError as error:
        connection.close()
        raise StoreError(f"{path}: not a decision database: {error}") from None


class _SqliteAutocommit:
    """sqlite3 in autocommit mode with explicit BEGIN / COMMIT, so that
    ``BEGIN IMMEDIATE`` takes the write lock before reading the previous mark."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def cursor(self) -> sqlite3.Cursor:
        return self._connection.cursor()

    def commit(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self._connection.close()


def _without_password(url: str) -> str:
    # postgresql://user:secret@host/db -> postgresql://user@host/db (for messages)
    head, sep, tail = url.partition("://")
    if "@" in tail:
        credentials, _, rest = tail.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{head}{sep}{user}@{rest}"
    return url
