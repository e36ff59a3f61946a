"""The decision database: one schema on SQLite and PostgreSQL, an append-only
trail, the latest decision counts, concurrent writers lose nothing."""

from __future__ import annotations

import threading

import pytest

from grader.review import Decision, StoreError, open_store


def _decision(submission="alice", mark=2.0, author="ada", **more) -> Decision:
    return Decision(
        rubric_id="exam",
        part_id="q1.b",
        submission_id=submission,
        answer_hash="a" * 64,
        part_hash="p" * 64,
        author=author,
        mark=mark,
        grader_mark=1.0,
        **more,
    )


def test_a_decision_is_stored_with_who_when_and_the_old_mark(store_url):
    with open_store(store_url) as store:
        (stored,) = store.record([_decision(reason="the X X^T slip is a typo")])
        assert stored.id is not None and stored.decided_at
        assert stored.previous_mark == 1.0  # the grader's
        (again,) = store.record([_decision(mark=3.0, author="bob")])
        assert again.previous_mark == 2.0  # ada's
        current = store.current("exam")
        assert current[("q1.b", "alice")].mark == 3.0
        assert current[("q1.b", "alice")].author == "bob"
        trail = store.history("exam", "q1.b", "alice")
        assert [(d.author, d.previous_mark, d.mark) for d in trail] == [
            ("ada", 1.0, 2.0),
            ("bob", 2.0, 3.0),
        ]
        assert trail[0].reason == "the X X^T slip is a typo"


def test_decisions_survive_reopening(store_url):
    with open_store(store_url) as store:
        store.record([_decision(), _decision("bob", 0.5, feedback="see me", accept_form=True)])
    with open_store(store_url) as store:  # the schema is not created twice
        current = store.current("exam")
        assert current[("q1.b", "bob")].feedback == "see me"
        assert current[("q1.b", "bob")].accept_form is True
        assert store.current("another exam") == {}


def test_a_decision_needs_an_author(store_url):
    with open_store(store_url) as store, pytest.raises(StoreError, match="author"):
        store.record([_decision(author=" ")])
        assert store.history("exam") == []


def test_concurrent_decisions_on_one_answer_are_both_recorded(store_url):
    """Two people deciding one group at once: both decisions are in the trail,
    the last one written counts, none is lost."""
    errors = []

    def decide(author: str, mark: float) -> None:
        try:
            with open_store(store_url) as store:
                for _ in range(5):
                    store.record([_decision(mark=mark, author=author)])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=decide, args=(a, m)) for a, m in (("ada", 1.5), ("bob", 2.5))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(store_url) as store:
        trail = store.history("exam")
        assert sorted(d.author for d in trail) == ["ada"] * 5 + ["bob"] * 5
        assert store.current("exam")[("q1.b", "alice")].id == max(d.id for d in trail)


def test_a_newer_schema_is_refused(tmp_path):
    import sqlite3

    path = tmp_path / "decisions.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(StoreError, match="schema version 99, newer"):
        open_store(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="not a decision database"):
        open_store(path)


def test_an_unreachable_postgres_is_a_clear_error():
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="cannot connect to postgresql://ada@"):
        open_store("postgresql://ada:secret@/nothing?host=/nonexistent-socket-dir&port=1")


def test_a_regrade_request_is_answered_and_read_back_with_its_secret(store_url):
    with open_store(store_url) as store:
        request, secret = store.request_regrade("exam", "q1.b", "alice", "I used X^T X, see line 3")
        assert request.status == "open" and request.message.startswith("I used")
        assert [r.id for r in store.regrade_requests("exam", "open")] == [request.id]
        assert store.regrade_request(request.id, "not the secret") is None
        answered = store.answer_regrade(request.id, "Right: the mark is now 3.5", "ada")
        assert answered.status == "answered" and answered.answered_by == "ada"
        seen = store.regrade_request(request.id, secret)
        assert seen is not None and seen.answer == "Right: the mark is now 3.5"
        assert store.regrade_requests("exam", "open") == []
        with pytest.raises(StoreError, match="needs a message"):
            store.request_regrade("exam", "q1.b", "alice", "   ")
        with pytest.raises(StoreError, match="no regrade request 999"):
            store.answer_regrade(999, "?", "ada")


def test_a_version_1_database_is_migrated(tmp_path):
    """A store written before regrade requests existed gains the table."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (1)")
        connection.execute(
            "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, rubric_id TEXT, "
            "part_id TEXT, submission_id TEXT, answer_hash TEXT, part_hash TEXT, author TEXT, "
            "mark REAL, feedback TEXT, reason TEXT, accept_form INTEGER, grader_mark REAL, "
            "previous_mark REAL, group_key TEXT, source TEXT, decided_at TEXT)"
        )
    with open_store(path) as store:
        request, _ = store.request_regrade("exam", "q1.a", "bob", "please look")
        assert request.id == 1
