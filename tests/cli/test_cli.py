"""The ``hiendien`` command, run for real: ``python -m bot …`` in a subprocess, in an empty
working directory, with a SQLite file of its own."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.turns import Conversations
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support.environment import CONTENT, clean_env, configured, db_path
from tests.support.serving import free_port

TABLES = {"conversation", "inbound_seen", "lead", "lead_event", "consent", "outbox"}


def hiendien(
    *args: str, cwd: Path, env: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=120,
        check=False,
    )


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in found}


def seed_lead(tmp_path: Path, content: Content) -> None:
    """Nguyễn Thị Lan leaves her number through the real conversation, in the CLI's DB."""
    store = Store(f"sqlite:///{db_path(tmp_path)}")
    try:
        conversations = Conversations(store, content, lambda: date(2026, 11, 25))
        for text, payload in [
            ("/start hoiphunu", None),
            (None, "callback"),
            (None, "yes"),
            ("Nguyễn Thị Lan", None),
            ("0912 345 678", None),
            ("Tổ dân phố 1", None),
            (None, "time:any"),
        ]:
            conversations.handle_sync(Inbound("web", "lan", text=text, payload=payload))
    finally:
        store.close()


# --- db upgrade, leads export ------------------------------------------------------------


def test_db_upgrade_creates_the_tables(tmp_path: Path) -> None:
    env = configured(tmp_path)
    done = hiendien("db", "upgrade", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().strip() == "Cơ sở dữ liệu đã ở phiên bản mới nhất."
    assert tables(db_path(tmp_path)) >= TABLES
    again = hiendien("db", "upgrade", cwd=tmp_path, env=env)  # idempotent
    assert again.returncode == 0, again.stderr.decode()


def test_leads_export_csv_prints_the_header_on_stdout(tmp_path: Path) -> None:
    done = hiendien("leads", "export", "--format", "csv", cwd=tmp_path, env=configured(tmp_path))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"\xef\xbb\xbf")  # the BOM, on standard output too
    (header,) = csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"), newline=""))
    for column in ("Mã", "Ngày tạo", "Họ tên", "Số điện thoại", "Tổ dân phố", "Trạng thái"):
        assert column in header


def test_leads_export_csv_has_the_lead_in_utf8(tmp_path: Path, content: Content) -> None:
    env = configured(tmp_path)
    assert hiendien("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    seed_lead(tmp_path, content)
    done = hiendien("leads", "export", "--format", "csv", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr.decode()
    header, row = csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"), newline=""))
    record = dict(zip(header, row, strict=True))
    assert record["Họ tên"] == "Nguyễn Thị Lan"
    assert record["Số điện thoại"] == "0912345678"
    assert record["Nguồn"] == "hoiphunu"


def test_leads_export_xlsx_writes_a_workbook(tmp_path: Path, content: Content) -> None:
    env = configured(tmp_path)
    assert hiendien("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    seed_lead(tmp_path, content)
    done = hiendien(
        "leads", "export", "--format", "xlsx", "--output", "f.xlsx", cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""
    assert done.stderr.decode().strip() == "Đã ghi 1 yêu cầu hỗ trợ vào f.xlsx."
    sheet = load_workbook(tmp_path / "f.xlsx").worksheets[0]
    header, row = sheet.iter_rows(values_only=True)
    record = dict(zip(header, row, strict=True))
    assert record["Họ tên"] == "Nguyễn Thị Lan"
    assert record["Số điện thoại"] == "0912345678"
    assert record["Trạng thái"] == "Chưa có người nhận"


# --- chat ----------------------------------------------------------------------------------


def test_chat_in_the_terminal(tmp_path: Path) -> None:
    """On 25/11/2026, a citizen born 15/03/2005 (21) is told id.vn is likely hers, with the
    plan's horizon (12/2026) and the registrar to confirm the offer."""
    done = hiendien(
        "chat",
        "--on",
        "25/11/2026",
        cwd=tmp_path,
        env=configured(tmp_path),
        stdin=b"1\n15/03/2005\n1\n",
    )
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode("utf-8")
    assert "Xin chào! Mình là trợ lý tên miền .vn miễn phí của phường Kiến An." in out
    assert "1. Cá nhân, sinh viên (18–23 tuổi)" in out
    assert "2. Doanh nghiệp" in out
    assert "3. Hộ kinh doanh" in out
    # the citizenship question came first, as numbered choices, and the link as text
    assert (
        "Bạn có phải là công dân Việt Nam (có quốc tịch Việt Nam) không?\n"
        "Việt kiều vẫn giữ quốc tịch Việt Nam cũng là công dân Việt Nam.\n1. Có\n2. Không"
    ) in out
    assert (
        "Bạn rất có thể đủ điều kiện nhận tên miền id.vn miễn phí 2 năm: bạn là công dân Việt Nam,"
        " từ đủ 18 đến 23 tuổi.\nTheo kế hoạch của phường Kiến An, chương trình triển khai đến"
        " tháng 12/2026; bạn nhớ xác nhận ưu đãi với nhà đăng ký khi đăng ký."
    ) in out
    assert "https://hiendienonline.tenmien.vn" in out


def test_chat_after_the_programme_ended(tmp_path: Path) -> None:
    """On 02/01/2027 the same resident hears the plan ran until 12/2026, so no free offer can
    be confirmed, and that the normal fee remains."""
    done = hiendien(
        "chat",
        "--on",
        "2027-01-02",
        cwd=tmp_path,
        env=configured(tmp_path),
        stdin=b"1\n15/03/2005\n",
    )
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode("utf-8")
    assert (
        "Theo kế hoạch của phường Kiến An, chương trình triển khai đến tháng 12/2026,"
        " nên mình không còn xác nhận được ưu đãi miễn phí."
    ) in out
    assert "Bạn rất có thể đủ điều kiện" not in out
    assert "đăng ký tên miền .vn với phí thông thường" in out


def test_chat_refuses_a_day_that_is_not_one(tmp_path: Path) -> None:
    done = hiendien("chat", "--on", "31/02/2026", cwd=tmp_path, env=configured(tmp_path))
    assert done.returncode == 2
    assert "ngày chưa đúng '31/02/2026'" in done.stderr.decode()


# --- run ----------------------------------------------------------------------------------


def break_end_date(text: str) -> str:
    return text.replace("end_date: 2026-12-31", "end_date: not-a-date")


def break_yaml(text: str) -> str:
    return text.replace("free_years: 2 ", "free_years: 2: 3 ")


@pytest.mark.parametrize(
    ("breakage", "marker"),
    [
        pytest.param(break_end_date, "end_date: not-a-date", id="not a date"),
        pytest.param(break_yaml, "free_years: 2: 3", id="YAML syntax"),
    ],
)
def test_run_with_broken_content_names_file_and_line(
    tmp_path: Path, breakage: Any, marker: str
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    program = content / "program.yaml"
    broken = breakage(program.read_text("utf-8"))
    program.write_text(broken, "utf-8")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if marker in text)

    env = configured(tmp_path, content, HIENDIEN_PORT=str(free_port()))
    done = hiendien("run", cwd=tmp_path, env=env)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.startswith("hiendien: lỗi trong nội dung (content/): ")
    assert f"program.yaml:{line}" in err
    assert "Traceback" not in err


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"hiendien run exited with {proc.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                assert resp.status == 200
                return json.loads(resp.read())
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"hiendien run did not answer /healthz in time: {log.read_text()}")


def serve(tmp_path: Path, env: dict[str, str], stop: signal.Signals) -> str:
    """Start ``hiendien run``, check it answers, stop it with ``stop``; its stderr."""
    log = tmp_path / "run.log"
    port = int(env["HIENDIEN_PORT"])
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
        try:
            assert wait_healthy(proc, port, log)["status"] == "ok"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/chat",
                data=json.dumps({"user": "cli-test", "text": "/start"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 (http:)
                assert resp.status == 200
                assert json.loads(resp.read())["messages"]
            proc.send_signal(stop)
            assert proc.wait(timeout=30) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return log.read_text()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_serves_and_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    env = clean_env(
        HIENDIEN_DATABASE_URL=f"sqlite:///{db_path(tmp_path)}", HIENDIEN_PORT=str(free_port())
    )
    log = serve(tmp_path, env, stop)
    assert "Traceback" not in log
    port = env["HIENDIEN_PORT"]
    assert f"hiendien đang chạy: trò chuyện trên web tại http://127.0.0.1:{port}/" in log
    assert tables(db_path(tmp_path)) >= TABLES  # created on start


def test_run_needs_no_configuration(tmp_path: Path) -> None:
    # Only the port (8080 may be taken on this machine): the database goes to ./data/.
    env = clean_env(HIENDIEN_PORT=str(free_port()))
    log = serve(tmp_path, env, signal.SIGTERM)
    assert "Traceback" not in log
    assert tables(tmp_path / "data" / "hiendien.db") >= TABLES


def test_staff_invite_list_and_remove(tmp_path: Path) -> None:
    """The team commands work on a fresh database, without Telegram configured."""
    import re

    env = {**os.environ, "HIENDIEN_DATABASE_URL": f"sqlite:///{tmp_path / 'staff.db'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    run = partial(
        subprocess.run,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    invite = run([sys.executable, "-m", "bot", "staff", "invite", "--team", "Tổ công nghệ số 1"])
    assert invite.returncode == 0, invite.stderr
    code = re.search(r"dùng được 7 ngày: (\S+)", invite.stdout).group(1)
    assert f"start=staff-{code}" in invite.stdout
    listed = run([sys.executable, "-m", "bot", "staff", "list"])
    assert "Chưa có thành viên nào" in listed.stdout
    from db import team

    store = Store(env["HIENDIEN_DATABASE_URL"])
    with store.transaction() as tx:
        assert team.redeem_invite(tx, code, "telegram", "42", "Nguyễn Thị Hoa")[0] == "linked"
    store.close()
    listed = run([sys.executable, "-m", "bot", "staff", "list"])
    assert "Tổ công nghệ số 1" in listed.stdout and "Nguyễn Thị Hoa" in listed.stdout
    member_id = re.search(r"#(\d+)  Nguyễn Thị Hoa", listed.stdout).group(1)
    removed = run([sys.executable, "-m", "bot", "staff", "remove", member_id])
    assert removed.returncode == 0 and "Đã gỡ" in removed.stdout
    again = run([sys.executable, "-m", "bot", "staff", "remove", member_id])
    assert again.returncode == 1


# --- bad input: one line, exit code 2 -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        pytest.param(
            ["broadcast", "show", "abc"],
            {},
            "invalid int value: 'abc' (xem hiendien broadcast show --help)",
            id="bad id",
        ),
        pytest.param(["staff", "remove", "x"], {}, "invalid int value: 'x'", id="bad member id"),
        pytest.param(
            ["leads", "export", "--format", "pdf"], {}, "invalid choice: 'pdf'", id="bad choice"
        ),
        pytest.param(["staff"], {}, "required: staff_command", id="no subcommand"),
        pytest.param(["fly"], {}, "invalid choice: 'fly'", id="no such command"),
        pytest.param(
            ["broadcast", "create", "--text-file", "missing.txt"],
            {},
            "không đọc được missing.txt: No such file or directory",
            id="unreadable file",
        ),
        pytest.param(
            ["leads", "export", "--output", "no/such/folder/leads.csv"],
            {},
            "không ghi được no/such/folder/leads.csv: No such file or directory",
            id="unwritable output",
        ),
        pytest.param(
            ["zalo", "check"], {}, "cần đặt ZALO_APP_ID và ZALO_APP_SECRET trước", id="no Zalo"
        ),
        pytest.param(
            ["db", "upgrade"],
            {"HIENDIEN_PORT": "eighty"},
            "HIENDIEN_PORT: Input should be a valid integer",
            id="bad setting",
        ),
        pytest.param(
            ["run"],
            {"TELEGRAM_MAX_PER_SECOND": "fast"},
            "TELEGRAM_MAX_PER_SECOND: Input should be a valid number",
            id="bad channel setting",
        ),
        pytest.param(
            ["run"],
            {"ZALO_APP_ID": "1", "ZALO_SIGNATURE_VARIANT": "md5"},
            "Zalo: ZALO_SIGNATURE_VARIANT phải là một trong: app_id, oa_id, header_timestamp",
            id="bad channel configuration",
        ),
        pytest.param(
            ["db", "upgrade"],
            {"HIENDIEN_DATABASE_URL": "not a database"},
            "Lỗi: HIENDIEN_DATABASE_URL: ",
            id="bad database URL",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    done = hiendien(*args, cwd=tmp_path, env={**configured(tmp_path), **env})
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("hiendien"), err
    assert expected in err
    assert done.stdout == b""


def test_every_command_and_option_says_what_it_is_for() -> None:
    import argparse

    from bot.cli.main import parser

    def walk(p: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    missing += walk(sub, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(parser(), "hiendien") == []


def test_the_help_speaks_vietnamese() -> None:
    """Ward staff read Vietnamese: ``hiendien --help``'s description and the help of every
    command and option say it with Vietnamese letters (argparse's own framing aside)."""
    import argparse

    from bot.cli.main import parser

    def vietnamese(text: str | None) -> bool:
        return any(ch.isalpha() and not ch.isascii() for ch in text or "")

    def walk(p: argparse.ArgumentParser, path: str) -> list[str]:
        english = []
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not vietnamese(helps.get(name)):
                        english.append(f"{path} {name}: {helps.get(name)}")
                    english += walk(sub, f"{path} {name}")
            elif not vietnamese(action.help):
                english.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return english

    top = parser()
    assert vietnamese(top.description)
    assert walk(top, "hiendien") == []
