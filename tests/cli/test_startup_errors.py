"""What stops ``hiendien run`` is one line (issue 14, D11): an invalid setting, a database
that does not answer, is missing, sits in a folder hiendien cannot write or lives in memory, a
busy port, a broken page template — each says the setting or file and the fix, exit code 2,
no traceback, and nothing was served first. ``hiendien --debug run`` shows the traceback.

Run as real processes. As root, the read-only folder is read-only for a process without the
capability to override file permissions (``setpriv``), as it is for the service's own user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.environment import CONTENT, clean_env, configured
from tests.support.serving import free_port

SERVING = "hiendien đang chạy"  # what `hiendien run` logs once it serves


def run(
    env: dict[str, str], cwd: Path, *args: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", *args, "run"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def at(url: str, port: int) -> dict[str, str]:
    """The environment with the database at ``url``."""
    return clean_env(
        HIENDIEN_DATABASE_URL=url, HIENDIEN_CONTENT_DIR=str(CONTENT), HIENDIEN_PORT=str(port)
    )


def one_line(done: subprocess.CompletedProcess[str], *names: str) -> str:
    """The run failed with exit code 2 and one line on stderr naming ``names``."""
    err = done.stderr
    assert done.returncode == 2, err
    assert "Traceback" not in err, err
    assert SERVING not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    [line] = lines
    assert line.startswith("hiendien: Lỗi: "), line
    assert " — sửa: " in line, line
    for name in names:
        assert name in line, line
    return line


@pytest.fixture
def port() -> int:
    return free_port()


def test_an_invalid_setting(tmp_path: Path, port: int) -> None:
    done = run(configured(tmp_path, HIENDIEN_PORT="eighty"), tmp_path)
    one_line(done, "HIENDIEN_PORT", ".env")


def test_a_database_nobody_answers(tmp_path: Path, port: int) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/hiendien"
    done = run(at(url, port), tmp_path)
    one_line(done, "HIENDIEN_DATABASE_URL", "127.0.0.1")


def test_a_missing_postgresql_database(tmp_path: Path, port: int) -> None:
    server = os.environ.get("HIENDIEN_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("HIENDIEN_TEST_POSTGRES_URL is not set")
    url = server.rsplit("/", 1)[0] + "/no_such_database_here"
    done = run(at(url, port), tmp_path)
    one_line(done, "HIENDIEN_DATABASE_URL", "no_such_database_here", "createdb")


def test_a_database_folder_that_cannot_be(tmp_path: Path, port: int) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    url = f"sqlite:///{tmp_path / 'data' / 'hiendien.db'}"
    done = run(at(url, port), tmp_path)
    one_line(done, "HIENDIEN_DATABASE_URL", str(tmp_path / "data"))


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """A data folder the command cannot write, and the prefix that runs it so."""
    folder = tmp_path / "data"
    folder.mkdir()
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root without setpriv: no folder is read-only")
        caps = "-dac_override,-dac_read_search"
        prefix = (setpriv, "--bounding-set", caps, "--inh-caps", caps)
    folder.chmod(0o555)
    yield folder, prefix
    folder.chmod(0o755)


def test_a_read_only_data_folder(
    tmp_path: Path, port: int, read_only: tuple[Path, tuple[str, ...]]
) -> None:
    folder, prefix = read_only
    url = f"sqlite:///{folder / 'hiendien.db'}"
    env = at(url, port)
    done = run(env, tmp_path, prefix=prefix)
    one_line(done, "HIENDIEN_DATABASE_URL", str(folder))


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(tmp_path: Path, port: int, url: str) -> None:
    done = run(at(url, port), tmp_path)
    one_line(done, "HIENDIEN_DATABASE_URL", "sqlite:///./data/hiendien.db")


def test_a_busy_port_is_said_before_serving(tmp_path: Path, port: int) -> None:
    with socket.create_server(("127.0.0.1", port)):
        done = run(configured(tmp_path, HIENDIEN_PORT=str(port)), tmp_path)
    one_line(done, f"HIENDIEN_PORT={port}")


def broken_page(tmp_path: Path) -> tuple[Path, int]:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    page = content / "pages" / "office" / "teams.html"
    lines = page.read_text("utf-8").splitlines()
    lines.insert(2, "{% if %}")  # a Jinja2 syntax error on line 3
    page.write_text("\n".join(lines) + "\n", "utf-8")
    return content, 3


def test_a_broken_page_template(tmp_path: Path, port: int) -> None:
    content, line = broken_page(tmp_path)
    done = run(configured(tmp_path, content, HIENDIEN_PORT=str(port)), tmp_path)
    one_line(done, f"teams.html:{line}")


def test_debug_shows_the_traceback(tmp_path: Path, port: int) -> None:
    done = run(configured(tmp_path, HIENDIEN_PORT="eighty"), tmp_path, "--debug")
    assert done.returncode == 2
    assert "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("hiendien: Lỗi: HIENDIEN_PORT")
