"""A graded class for the review tests, and a real PostgreSQL server.

The server is started from the installed binaries (initdb, pg_ctl) in a
temporary folder on a Unix socket, once per test session; `.ci/run` installs
PostgreSQL. Where it cannot be installed the PostgreSQL tests are skipped
with the reason; the SQLite ones always run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def graded_class():
    """The bundled example class (submissions/) graded once: its reports."""
    from grader import api

    rubric = api.load_rubric(ROOT / "rubrics" / "ml-exam.yaml")
    outcomes = api.grade_paths([ROOT / "submissions"], rubric)
    return [outcome.report for outcome in outcomes if outcome.report is not None]


def _postgres_binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_server():
    """(socket folder, port) of a PostgreSQL server for this test session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install '.[postgres]'; .ci/run does)")
    initdb, pg_ctl = _postgres_binary("initdb"), _postgres_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is not installed (initdb not found; .ci/run installs it)")
    # not under pytest's 0700 tmp folder: the server's user must reach it
    base = Path(tempfile.mkdtemp(prefix="grader-postgres-"))
    data, socket_dir = base / "data", base / "socket"
    socket_dir.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        prefix = [runuser, "-u", "postgres", "--"]
        for path in (base, socket_dir):
            shutil.chown(path, "postgres")
        os.chmod(base, 0o755)
    port = 54000 + os.getpid() % 1000
    started = subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8"],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        pytest.fail(f"initdb failed: {started.stderr.strip()[-500:]}")
    options = f"-k {socket_dir} -p {port} -c listen_addresses='' -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield socket_dir, port
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test server."""
    import psycopg

    socket_dir, port = postgres_server
    name = "review_" + uuid.uuid4().hex[:8]
    with psycopg.connect(
        f"postgresql://grader@/postgres?host={socket_dir}&port={port}", autocommit=True
    ) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"postgresql://grader@/{name}?host={socket_dir}&port={port}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Each store test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "decisions.sqlite")
    return request.getfixturevalue("postgres_url")
