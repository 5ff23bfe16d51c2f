"""Backing the database up to one file and restoring it into an empty database.

SQLite: :func:`backup` copies the live file with SQLite's online backup API (one step: a
consistent snapshot, safe while ``hiendien run`` is writing) into a single self-contained
file (rollback journal, checked with ``quick_check``). PostgreSQL: ``pg_dump`` (found on
PATH, the custom format) of the schema hiendien uses (the first of its ``search_path``,
``public`` by default); the password goes to the child process in ``PGPASSWORD``, never on
its command line. The file is written beside the target and moved into place when whole, so
a failed backup never leaves half a file under the name asked for.

:func:`restore` puts a backup into an EMPTY database only (no table in it; anything else is
refused, never overwritten): SQLite copies the file into place; PostgreSQL runs
``pg_restore`` in one transaction. A dump of another schema name goes into a schema of that
name and is then renamed to the target's (so a drill may restore into a fresh schema or
database). Then the migrations bring it up to date. Every failure is :class:`BackupError`
with one Vietnamese line for the operator.

Imports db.engine and db.migrate.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url

from db import migrate
from db.engine import is_sqlite, make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ (?:SCHEMA|COMMENT|ACL) - (?:SCHEMA )?\S+")
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) ")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message (Vietnamese) says why and what
    to do."""


def engine_of(url: str) -> str:
    return SQLITE if is_sqlite(url) else POSTGRESQL


def backup(url: str, output: Path) -> int:
    """Write a backup of the database at ``url`` to ``output``; its size in bytes."""
    output = output.expanduser()
    if not output.parent.is_dir():
        raise BackupError(f"không có thư mục {output.parent} để ghi bản sao lưu")
    part = output.with_name(f".{output.name}.part")
    try:
        if is_sqlite(url):
            _sqlite_backup(_sqlite_path(url), part)
        else:
            _pg_backup(url, part)
        part.replace(output)
    finally:
        part.unlink(missing_ok=True)
    return output.stat().st_size


def restore(url: str, source: Path) -> None:
    """Put the backup ``source`` into the empty database at ``url``, then migrate it."""
    source = source.expanduser()
    try:
        with source.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"không đọc được tệp sao lưu {source}: {exc.strerror}") from exc
    kind = SQLITE if head == SQLITE_MAGIC else POSTGRESQL if head.startswith(PGDUMP_MAGIC) else None
    if kind is None:
        raise BackupError(f"{source} không phải bản sao lưu của hiendien (SQLite hoặc pg_dump)")
    if kind != engine_of(url):
        raise BackupError(
            f"{source} là bản sao lưu {kind}, còn HIENDIEN_DATABASE_URL là {engine_of(url)}: "
            "khôi phục vào cùng loại cơ sở dữ liệu"
        )
    if kind == SQLITE:
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _pg_restore(url, source)
    migrate.upgrade(url)


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError(
            "HIENDIEN_DATABASE_URL là SQLite trong bộ nhớ: không có gì để sao lưu hay khôi phục"
        )
    return Path(database)


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [r[0] for r in rows]


def _sqlite_backup(live: Path, part: Path) -> None:
    if not live.is_file():
        raise BackupError(f"không có cơ sở dữ liệu ở {live} (HIENDIEN_DATABASE_URL)")
    src = sqlite3.connect(live, timeout=30)
    try:
        part.unlink(missing_ok=True)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            _sqlite_check(dst, part)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"không sao lưu được {live}: {exc}") from exc
    finally:
        src.close()


def _sqlite_check(conn: sqlite3.Connection, where: Path) -> None:
    if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
        raise BackupError(f"{where} bị hỏng (PRAGMA quick_check không đạt)")
    if "alembic_version" not in _sqlite_tables(conn):
        raise BackupError(
            f"{where} không phải cơ sở dữ liệu của hiendien (không có alembic_version)"
        )


def _sqlite_restore(source: Path, target: Path) -> None:
    wal = target.with_name(target.name + "-wal")
    if target.exists():
        try:
            conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
            try:
                tables = _sqlite_tables(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise BackupError(f"{target} có sẵn và không đọc được: {exc}") from exc
        if tables:
            raise BackupError(
                f"cơ sở dữ liệu {target} không trống ({len(tables)} bảng): chỉ khôi phục vào "
                "một cơ sở dữ liệu mới — đổi HIENDIEN_DATABASE_URL sang tệp khác, hoặc dời tệp "
                "cũ đi"
            )
    if wal.exists() and wal.stat().st_size > 0:
        raise BackupError(f"còn tệp {wal} của một cơ sở dữ liệu cũ: dời nó đi trước khi khôi phục")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.restoring")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            _sqlite_check(src, source)
            part.unlink(missing_ok=True)
            dst = sqlite3.connect(part)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        part.replace(target)
    except sqlite3.Error as exc:
        raise BackupError(f"không khôi phục được từ {source}: {exc}") from exc
    finally:
        part.unlink(missing_ok=True)


# --- PostgreSQL --------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"không tìm thấy {name} trên PATH: cài gói postgresql-client cùng phiên bản với máy "
            "chủ PostgreSQL (apt-get install postgresql-client)"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI of ``url`` without its password, and the environment for the
    child process (the password in PGPASSWORD, out of sight of ``ps``)."""
    u: URL = make_url(url)
    env = dict(os.environ)  # handed on to the child process as it is (not read here)
    if u.password is not None:
        env["PGPASSWORD"] = str(u.password)
    conninfo = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"mã thoát {done.returncode}"
        raise BackupError(f"{what} không thành công: {reason}")
    return done.stdout


def current_schema(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar()
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(f"không kết nối được cơ sở dữ liệu: {reason}") from exc
    finally:
        engine.dispose()
    if not schema:
        raise BackupError(
            "lược đồ (schema) trong search_path của HIENDIEN_DATABASE_URL chưa có: tạo nó trước "
            "(CREATE SCHEMA …)"
        )
    return str(schema)


def _pg_backup(url: str, part: Path) -> None:
    pg_dump = _tool("pg_dump")
    schema = current_schema(url)
    conninfo, env = _libpq(url)
    args = [pg_dump, "--format=custom", "--no-owner", "--no-privileges"]
    args += [f'--schema="{schema}"', f"--file={part}", f"--dbname={conninfo}"]
    _run(args, env, "pg_dump")


def _relations(conn: Connection, schema: str) -> int:
    found = conn.execute(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
        ),
        {"s": schema},
    ).scalar()
    return int(found or 0)


def _pg_restore(url: str, source: Path) -> None:
    pg_restore = _tool("pg_restore")
    target = current_schema(url)
    conninfo, env = _libpq(url)
    toc = _run([pg_restore, "--list", str(source)], env, "pg_restore --list")
    dumped = {m.group(1) for line in toc.splitlines() if (m := _TOC_TABLE.match(line))}
    if len(dumped) != 1:
        raise BackupError(f"{source} không phải bản sao lưu một lược đồ của hiendien")
    schema = dumped.pop()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            present = _relations(conn, target)
            if present:
                raise BackupError(
                    f"cơ sở dữ liệu đích không trống (lược đồ «{target}» có {present} bảng/dãy "
                    "số): chỉ khôi phục vào một cơ sở dữ liệu (hoặc lược đồ) mới, trống"
                )
            if schema != target:
                exists = conn.execute(
                    text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
                ).scalar()
                if exists:
                    raise BackupError(
                        f"bản sao lưu là của lược đồ «{schema}», đang có trong cơ sở dữ liệu này: "
                        f"khôi phục vào một cơ sở dữ liệu khác, hoặc vào chính lược đồ «{schema}» "
                        "khi nó trống"
                    )
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        kept = [line for line in toc.splitlines() if not _TOC_SCHEMA.match(line)]
        with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing:
            listing.write("\n".join(kept) + "\n")
            listing.flush()
            args = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error"]
            args += ["--single-transaction", f"--use-list={listing.name}"]
            args += [f"--dbname={conninfo}", str(source)]
            try:
                _run(args, env, "pg_restore")
            except BackupError:
                if schema != target:  # the schema made for it, empty again
                    with engine.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                raise
        if schema != target:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{target}" RESTRICT'))
                conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{target}"'))
    finally:
        engine.dispose()
