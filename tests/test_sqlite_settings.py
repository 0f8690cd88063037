"""The embedded SQLite database is written by two processes at once, the web server and the import worker; the
options in `settings.SQLITE_OPTIONS` keep them from failing on each other's locks."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler, OperationalError


@pytest.fixture(autouse=True)
def _own_database_files(django_db_blocker: Any) -> Iterator[None]:
    """These tests open files of their own, never the test database; pytest-django blocks every connection."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path, options: dict[str, Any]) -> BaseDatabaseWrapper:
    """A connection of its own (not the test database) on a database file, in the calling thread."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}}
    )
    wrapper: BaseDatabaseWrapper = handler["default"]
    wrapper.ensure_connection()
    return wrapper


def _begin(wrapper: BaseDatabaseWrapper) -> None:
    wrapper._start_transaction_under_autocommit()  # type: ignore[attr-defined]  # what transaction.atomic() runs


def _read_then_write_beside_a_writer(path: Path, options: dict[str, Any]) -> list[int]:
    """One transaction writes and holds its lock; meanwhile another reads and then writes (as the review
    page and the import service do). Returns the rows in the end; raises what the second transaction raised."""
    setup = _wrapper(path, options)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x integer)")
    setup.close()
    writing = threading.Event()
    read = threading.Event()  # the second transaction has read (without BEGIN IMMEDIATE it gets that far)
    failures: list[BaseException] = []

    def first() -> None:
        wrapper = _wrapper(path, options)
        _begin(wrapper)
        with wrapper.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        writing.set()
        # Commit only once the other has read, so it has read the old state; with BEGIN IMMEDIATE it waits at its
        # BEGIN and never reads before this commit, so give up waiting after a second.
        read.wait(1)
        wrapper.connection.commit()
        wrapper.close()

    def second() -> None:
        assert writing.wait(10)
        wrapper = _wrapper(path, options)
        try:
            _begin(wrapper)
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM t")
                read.set()
                cursor.execute("INSERT INTO t VALUES (2)")
            wrapper.connection.commit()
        except BaseException as exc:  # reported to the caller
            failures.append(exc)
        finally:
            wrapper.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if failures:
        raise failures[0]
    check = _wrapper(path, options)
    with check.cursor() as cursor:
        cursor.execute("SELECT x FROM t ORDER BY x")
        rows = [x for (x,) in cursor.fetchall()]
    check.close()
    return rows


def test_the_embedded_database_uses_a_write_ahead_log(tmp_path: Path) -> None:
    wrapper = _wrapper(tmp_path / "db.sqlite3", settings.SQLITE_OPTIONS)
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone() == ("wal",)
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone() == (1,)  # NORMAL
    wrapper.close()


def test_a_transaction_that_reads_then_writes_waits_for_the_other_writer(tmp_path: Path) -> None:
    assert _read_then_write_beside_a_writer(tmp_path / "db.sqlite3", settings.SQLITE_OPTIONS) == [1, 2]


def test_without_begin_immediate_the_same_transaction_fails(tmp_path: Path) -> None:
    """Why the option is there: SQLite's default (DEFERRED) transaction cannot wait, and gives up at once."""
    deferred = {key: value for key, value in settings.SQLITE_OPTIONS.items() if key != "transaction_mode"}
    with pytest.raises(OperationalError, match="locked"):
        _read_then_write_beside_a_writer(tmp_path / "db.sqlite3", deferred)
