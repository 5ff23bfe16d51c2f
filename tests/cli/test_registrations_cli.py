"""``hiendien registrations import|verify``, run for real (``python -m bot registrations …``
in a subprocess, with a SQLite file of its own; db.registrations is tested on PostgreSQL
too): a registrar's list reconciled with the leads and the business registry — by tax
code, by phone written in any form, by domain — with orphans and rejected rows; a dry run
that writes nothing; a bad file that changes nothing; and the DNS check against the
stand-in on loopback (found, not found, no answer in time)."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert, update

from bot.turns import Conversations
from db import audit, followup, registrations
from db.models import Registration
from db.store import Store
from db.tables import business_t, lead_t
from handlers.content import Content
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.dns_standin import DnsStandIn
from tests.support.environment import CONTENT, clean_env, db_path
from tests.support.followup import a_member, a_team, member_actor
from tests.support.records import rows

HOA_MAI = "0100109106"  # valid tax codes (their check digit is right)
AN_PHAT = "0102030405"


def run(db_url: str, cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        HIENDIEN_DATABASE_URL=db_url,
        HIENDIEN_CONTENT_DIR=str(CONTENT),
        **settings,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "registrations", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def a_business(store: Store, tax_code: str, name: str, phone: str | None = None) -> int:
    now = datetime.now(UTC)
    with store.transaction() as tx:
        return int(
            tx.conn.execute(
                insert(business_t).returning(business_t.c.id),
                {
                    "tax_code": tax_code,
                    "name": name,
                    "kind": "household",
                    "phone": phone,
                    "imported_at": now,
                    "updated_at": now,
                },
            ).scalar_one()
        )


def a_ward(tmp_path: Path, content: Content) -> tuple[str, dict[str, int]]:
    """A database (migrated by a first command) with two businesses and three requests:
    Bình (registered binh.id.vn with the team), Lan (0912 345 678), Hoa (verified as the
    business Hoa Mai)."""
    db_url = f"sqlite:///{db_path(tmp_path)}"
    assert run(db_url, tmp_path, "verify").returncode == 0  # creates the database
    ids: dict[str, int] = {}
    with Store(db_url) as store:
        ids["hoa_mai"] = a_business(store, HOA_MAI, "Cửa hàng Hoa Mai")
        ids["an_phat"] = a_business(store, AN_PHAT, "Công ty An Phát", phone="+84987654321")
        conv = Conversations(store, content, lambda: TODAY)
        for user, phone in (
            ("binh", "0903 111 222"),
            ("lan", "0912 345 678"),
            ("hoa", "0904 555 666"),
        ):
            talk(conv, user, *LEAD_DIALOGUE[:8], phone, *LEAD_DIALOGUE[9:])
        with store.transaction() as tx:
            for r in tx.conn.execute(lead_t.select()).mappings():
                ids[r["user_ref"]] = r["id"]
            tx.conn.execute(
                update(lead_t).where(lead_t.c.id == ids["hoa"]).values(business_id=ids["hoa_mai"])
            )
        holder = member_actor(
            store, a_member(store, "1", a_team(store, "Tổ 1"), "Chị Hoa", "admin")
        )
        with store.transaction() as tx:
            followup.claim_lead(tx, ids["binh"], holder)
            done = followup.set_status(
                tx, ids["binh"], holder, "registered", domain="binh.id.vn", today=date(2026, 11, 2)
            )
            assert done == "ok"
    return db_url, ids


def registrar_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH TÊN MIỀN ĐĂNG KÝ THÁNG 11/2026"])  # a title above the header
    sheet.append([])
    sheet.append(["STT", "Tên miền", "LOẠI", "Mã số thuế", "Số ĐT", "Ngày đăng ký", "Ghi chú"])
    sheet.append([1, "HoaMai.biz.vn", "biz.vn", "0100-109-106", None, "15/11/2026", "x"])
    sheet.append([2, "lan.id.vn", "ID.VN", None, "0912.345.678", datetime(2026, 11, 16), None])
    sheet.append([3, "binh.id.vn", None, None, None, 46336, None])  # an Excel day: 10/11/2026
    sheet.append([4, "anphat.biz.vn", "bizvn", None, "+84 987 654 321", "2026-11-17", None])
    sheet.append([5, "nobody.id.vn", "id.vn", None, None, "17/11/2026", None])
    sheet.append([6, "shop.com.vn", None, None, None, "17/11/2026", None])
    sheet.append([7, "LAN.id.vn", None, None, None, "17/11/2026", None])
    sheet.append([8, "sai.biz.vn", "biz.vn", "0100109107", None, "17/11/2026", None])
    sheet.append([9, "later.id.vn", "id.vn", None, None, "30/12/2099", None])
    sheet.append([10, "kind.id.vn", "biz.vn", None, None, "17/11/2026", None])
    sheet.append([11, "nodate.id.vn", None, None, None, None, None])
    sheet.append([12, "phone.id.vn", None, None, "12345", "17/11/2026", None])
    sheet.append([None, None, None, None, None, None, None])  # an empty row: skipped
    book.save(path)
    return path


def test_a_registrars_list_is_reconciled_by_tax_code_phone_and_domain(
    tmp_path: Path, content: Content
) -> None:
    db_url, ids = a_ward(tmp_path, content)
    listed = registrar_xlsx(tmp_path / "vnnic-thang-11.xlsx")

    dry = run(db_url, tmp_path, "import", str(listed), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Chạy thử: chưa ghi gì" in dry.stdout
    with Store(db_url) as store:
        assert [r["domain"] for r in rows(store, Registration)] == ["binh.id.vn"]

    done = run(db_url, tmp_path, "import", str(listed))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.replace("Chạy thử: chưa ghi gì vào cơ sở dữ liệu.\n", "") == dry.stdout.replace(
        "Chạy thử: chưa ghi gì vào cơ sở dữ liệu.\n", ""
    )  # the dry run said exactly what the import did
    lines = {line.split(":")[0]: line for line in out.splitlines() if line.startswith("Dòng")}
    assert "khớp cả yêu cầu hỗ trợ và doanh nghiệp" in lines["Dòng 4"]  # Hoa Mai: tax code
    assert f"yêu cầu #{ids['hoa']}" in lines["Dòng 4"] and "0100109106" in lines["Dòng 4"]
    assert f"khớp yêu cầu hỗ trợ; yêu cầu #{ids['lan']}" in lines["Dòng 5"]  # a phone, dotted
    assert f"yêu cầu #{ids['binh']}" in lines["Dòng 6"] and "theo tên miền" in lines["Dòng 6"]
    assert "khớp doanh nghiệp" in lines["Dòng 7"] and "An Phát" in lines["Dòng 7"]
    assert "không khớp yêu cầu hay doanh nghiệp nào" in lines["Dòng 8"]
    assert "bị từ chối — tên miền «shop.com.vn» không thuộc id.vn hoặc biz.vn" in lines["Dòng 9"]
    assert "trùng tên miền với dòng 5" in lines["Dòng 10"]
    assert "mã số thuế «0100109107» không hợp lệ" in lines["Dòng 11"]
    assert "còn ở tương lai" in lines["Dòng 12"]
    assert "loại «biz.vn» không khớp" in lines["Dòng 13"]
    assert "thiếu ngày đăng ký" in lines["Dòng 14"]
    assert "số điện thoại «12345» không hợp lệ" in lines["Dòng 15"]
    assert (
        "Tổng cộng 12 dòng: khớp yêu cầu hỗ trợ 2, khớp doanh nghiệp 1, khớp cả hai 1, "
        "không khớp 1, bị từ chối 7; tên miền ghi mới 4." in out
    )

    with Store(db_url) as store:
        found = {r["domain"]: r for r in rows(store, Registration)}
        with store.transaction() as tx:
            [logged] = audit.events(tx, action="registrations_imported")
    assert set(found) == {
        "binh.id.vn",
        "hoamai.biz.vn",
        "lan.id.vn",
        "anphat.biz.vn",
        "nobody.id.vn",
    }
    hoa = found["hoamai.biz.vn"]
    assert (hoa["lead_id"], hoa["business_id"], hoa["tax_code"]) == (
        ids["hoa"],
        ids["hoa_mai"],
        HOA_MAI,
    )
    assert (hoa["source"], hoa["registered_on"]) == ("registrar", date(2026, 11, 15))
    assert (found["lan.id.vn"]["lead_id"], found["lan.id.vn"]["tax_code"]) == (ids["lan"], None)
    binh = found["binh.id.vn"]  # the team's record, confirmed by the list: one row
    assert (binh["source"], binh["lead_id"], binh["registered_on"]) == (
        "registrar",
        ids["binh"],
        date(2026, 11, 10),
    )
    assert found["anphat.biz.vn"]["business_id"] == ids["an_phat"]
    assert found["nobody.id.vn"]["lead_id"] is None and found["nobody.id.vn"]["business_id"] is None
    assert logged["actor"] == "cli" and logged["detail"]["rejected"] == 7
    assert logged["detail"]["added"] == 4

    again = run(db_url, tmp_path, "import", str(listed))  # the same list again: nothing new
    assert "tên miền ghi mới 0." in again.stdout
    with Store(db_url) as store:
        assert len(rows(store, Registration)) == 5


def test_a_csv_without_a_kind_column_takes_the_kind_from_the_domain(
    tmp_path: Path, content: Content
) -> None:
    db_url, ids = a_ward(tmp_path, content)
    listed = tmp_path / "nha-dang-ky.csv"
    with listed.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["domain", "so dien thoai", "ngay"])
        out.writerow(["lan.id.vn", "84912345678", "16/11/2026"])
        out.writerow(["cuahang.biz.vn", "", "16/11/2026"])
    done = run(db_url, tmp_path, "import", str(listed))
    assert done.returncode == 0, done.stderr
    with Store(db_url) as store:
        found = {r["domain"]: r for r in rows(store, Registration)}
    assert (found["lan.id.vn"]["kind"], found["lan.id.vn"]["lead_id"]) == ("id.vn", ids["lan"])
    assert found["cuahang.biz.vn"]["kind"] == "biz.vn"


def test_a_file_that_cannot_be_read_changes_nothing(tmp_path: Path, content: Content) -> None:
    db_url, _ids = a_ward(tmp_path, content)
    text = tmp_path / "danh-sach.txt"
    text.write_text("lan.id.vn\n", encoding="utf-8")
    no_header = tmp_path / "khong-co-tieu-de.csv"
    no_header.write_text("a,b\nlan.id.vn,16/11/2026\n", encoding="utf-8")
    empty = tmp_path / "trong.csv"
    empty.write_text("Tên miền,Ngày đăng ký\n", encoding="utf-8")
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"not a workbook")
    cases = {
        text: "chỉ đọc được .xlsx hoặc .csv",
        no_header: "không thấy dòng tiêu đề có cột «Tên miền»",
        empty: "không có dòng dữ liệu nào",
        broken: "không phải tệp Excel",
        tmp_path / "khong-co.csv": "không đọc được tệp",
    }
    for path, said in cases.items():
        done = run(db_url, tmp_path, "import", str(path))
        assert done.returncode == 2, (path, done.stderr)
        assert said in done.stderr and "Traceback" not in done.stderr
    with Store(db_url) as store:
        assert [r["domain"] for r in rows(store, Registration)] == ["binh.id.vn"]


def test_verify_asks_the_dns_and_records_what_it_found(tmp_path: Path) -> None:
    db_url = f"sqlite:///{db_path(tmp_path)}"
    assert run(db_url, tmp_path, "verify").stdout.strip() == "Không có tên miền nào cần kiểm tra."
    with Store(db_url) as store, store.transaction() as tx:
        for domain in ("lan.id.vn", "ghost.id.vn", "slow.biz.vn", "inside.id.vn"):
            registrations.record(
                tx, domain, source="registrar", registered_on=TODAY, recorded_by="cli"
            )
        registrations.set_dns(
            tx,
            registrations.find(tx, "slow.biz.vn")["id"],
            "verified",
            datetime(2026, 1, 1, tzinfo=UTC),
        )
    dns = DnsStandIn(
        delegated={"lan.id.vn": ["ns1.nhadangky.vn", "ns2.nhadangky.vn"]},
        records={"inside.id.vn"},
        silent={"slow.biz.vn"},
    )
    with dns:
        done = run(db_url, tmp_path, "verify", HIENDIEN_DNS_SERVER=dns.address)
    assert done.returncode == 0, done.stderr
    assert "lan.id.vn: có trên DNS" in done.stdout
    assert "ghost.id.vn: không tìm thấy trên DNS" in done.stdout
    assert "inside.id.vn: không tìm thấy trên DNS" in done.stdout
    assert "slow.biz.vn: không kiểm tra được" in done.stdout
    assert "Đã kiểm tra 4 tên miền: có trên DNS 1, không tìm thấy 2, không kiểm tra được 1." in (
        done.stdout
    )
    assert {"lan.id.vn", "ghost.id.vn", "slow.biz.vn", "inside.id.vn"} <= set(dns.queries)
    with Store(db_url) as store:
        found = {r["domain"]: r for r in rows(store, Registration)}
    assert found["lan.id.vn"]["dns_status"] == "verified"
    assert found["ghost.id.vn"]["dns_status"] == "not_found"
    assert found["inside.id.vn"]["dns_status"] == "not_found"
    slow = found["slow.biz.vn"]  # no answer: what was known stays
    assert slow["dns_status"] == "verified"
    assert slow["dns_checked_at"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert found["lan.id.vn"]["dns_checked_at"] is not None

    with DnsStandIn() as nobody:  # checked a moment ago: only the one not checked is due
        recent = run(db_url, tmp_path, "verify", HIENDIEN_DNS_SERVER=nobody.address)
        assert "Đã kiểm tra 1 tên miền" in recent.stdout and "slow.biz.vn" in recent.stdout
        everything = run(db_url, tmp_path, "verify", "--all", HIENDIEN_DNS_SERVER=nobody.address)
        assert "Đã kiểm tra 4 tên miền" in everything.stdout


def test_a_wrong_dns_server_setting_is_said_plainly(tmp_path: Path) -> None:
    db_url = f"sqlite:///{db_path(tmp_path)}"
    done = run(db_url, tmp_path, "verify", HIENDIEN_DNS_SERVER="dns.google")
    assert done.returncode == 2
    assert "HIENDIEN_DNS_SERVER" in done.stderr and "Traceback" not in done.stderr
