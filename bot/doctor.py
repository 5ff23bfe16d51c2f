"""``hiendien doctor``'s checks: what an operator looks at before residents depend on the
service, each a :class:`Check` with a level (ok, warning, failure) and one Vietnamese line.

The checks: settings and content readable; the database reachable and at the migrations'
head; free disk where the SQLite file lives; Telegram's webhook and pending updates
(``getWebhookInfo``, when ``TELEGRAM_BOT_TOKEN`` is set); Zalo's stored token (refused,
expired, its refresh token near three months old); the scheduler's leader (PostgreSQL:
the session holding advisory lock 730150); the outbox's backlog; how old the last backup
is. Nothing is changed: the database is neither created nor migrated here.

May import: bot.settings, bot.channels (their settings blocks and names), bot.clock, bot.scheduler
(the lock key), db, handlers.content, aiohttp.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy.engine import make_url

from bot.channels.base import Registry
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.zalo import CHANNEL as ZALO
from bot.channels.zalo.settings import ZaloSettings
from bot.clock import VIETNAM
from bot.scheduler import LOCK_KEY as SCHEDULER_KEY
from bot.settings import SettingError, Settings
from db import backups, operations
from db.engine import is_sqlite
from db.models import utcnow
from db.store import Store
from handlers.content import load_content
from handlers.yamlfile import ContentError

OK, WARNING, FAILURE = 0, 1, 2
SYMBOLS = {OK: "✓", WARNING: "!", FAILURE: "✗"}

DISK_FAILURE = 200 * 1024**2  # bytes free under which the SQLite folder is a failure
DISK_WARNING = 1024**3  # … a warning (or under DISK_WARNING_SHARE of the disk)
DISK_WARNING_SHARE = 0.10
PENDING_UPDATES_WARNING = 100  # Telegram updates waiting for us
TELEGRAM_ERROR_RECENT = timedelta(hours=24)  # a webhook delivery error this recent is shown
ZALO_REFRESH_LIFETIME = timedelta(days=90)  # Zalo's refresh token lasts 3 months
ZALO_REFRESH_WARNING = timedelta(days=75)  # unrotated this long: the OA needs attention soon
ZALO_EXPIRED_GRACE = timedelta(hours=1)  # an access token expired longer: nobody refreshes it
OUTBOX_WARNING = timedelta(minutes=10)  # the oldest due notification has waited this long
OUTBOX_FAILURE = timedelta(hours=2)
BACKUP_WARNING = timedelta(hours=26)  # a daily backup, with some slack
BACKUP_FAILURE = timedelta(days=7)
EMPTY = "kết nối được nhưng còn trống: chạy hiendien db upgrade"


@dataclass(frozen=True)
class Check:
    level: int
    name: str  # "Cơ sở dữ liệu (database)"
    detail: str

    def line(self) -> str:
        return f"{SYMBOLS[self.level]} {self.name}: {self.detail}"


def exit_code(checks: Iterable[Check]) -> int:
    """0 when every check is ok, 1 with a warning, 2 with a failure."""
    return max((c.level for c in checks), default=OK)


def ago(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    if seconds < 120:
        return f"{seconds} giây"
    if seconds < 2 * 3600:
        return f"{seconds // 60} phút"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} giờ"
    return f"{seconds // 86400} ngày"


def local(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def size(n: float) -> str:
    """A number of bytes as people read it: 512 B, 107.5 KB, 1.2 GB."""
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} TB"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


class Doctor:
    def __init__(
        self,
        settings: Settings,
        channels: Registry,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.channels = channels
        self.clock = clock
        self.timeout = timeout

    def checks(self) -> list[Check]:
        found = [self.settings_check()]
        url = self.settings.hiendien_database_url
        store: Store | None = None
        missing = _missing_sqlite_file(url)
        try:
            if missing is not None:  # opening it would create it: say so instead
                raise FileNotFoundError(f"không có tệp {missing} (hiendien db upgrade tạo nó)")
            store = Store(_with_connect_timeout(url, self.timeout))
            database = self.database(store)
        except Exception as exc:
            database = Check(
                FAILURE, "Cơ sở dữ liệu (database)", f"không kết nối được: {_why(exc)}"
            )
        found.append(database)
        found.append(self.disk(url))
        found.append(asyncio.run(self.telegram()))
        if store is not None and database.level == OK:  # reachable, at head
            for check in (self.zalo, self.leader, self.outbox, self.backup):
                found.append(_guarded(check, store))
        if store is not None:
            store.close()
        return found

    # --- each check ---------------------------------------------------------------------

    def settings_check(self) -> Check:
        name = "Cấu hình (settings)"
        try:
            served = [kind.name for kind in self.channels if kind.configured(self.settings)]
        except SettingError as exc:
            return Check(FAILURE, name, str(exc))
        try:
            load_content(self.settings.hiendien_content_dir)
        except ContentError as exc:
            return Check(FAILURE, name, f"lỗi trong nội dung (content/): {exc}")
        engine = "SQLite" if is_sqlite(self.settings.hiendien_database_url) else "PostgreSQL"
        return Check(OK, name, f"đọc được; {engine}; kênh phục vụ: {', '.join(served)}")

    def database(self, store: Store) -> Check:
        name = "Cơ sở dữ liệu (database)"
        with store.transaction() as tx:
            rev = operations.revision(tx, store.url)
        head = ", ".join(rev.heads)
        if rev.current is None:
            return Check(WARNING, name, EMPTY)
        if not rev.known:
            return Check(
                FAILURE,
                name,
                f"ở phiên bản {rev.current}, bản hiendien này không biết (mới nhất nó có: {head}): "
                "cơ sở dữ liệu của một bản hiendien mới hơn?",
            )
        if not rev.at_head:
            return Check(
                WARNING,
                name,
                f"ở phiên bản {rev.current}, mới nhất là {head}: chạy hiendien db upgrade "
                "(hiendien run tự nâng cấp khi khởi động)",
            )
        return Check(OK, name, f"kết nối được, ở phiên bản mới nhất ({head})")

    def disk(self, url: str) -> Check:
        name = "Ổ đĩa (disk)"
        if not is_sqlite(url):
            return Check(OK, name, "PostgreSQL: đĩa do máy chủ cơ sở dữ liệu quản lý")
        folder = Path(make_url(url).database or ".").resolve().parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        usage = shutil.disk_usage(folder)
        share = usage.free / usage.total if usage.total else 0.0
        detail = f"còn {size(usage.free)} trống ({share:.0%}) ở {folder}"
        if usage.free < DISK_FAILURE:
            return Check(FAILURE, name, f"{detail}: sắp đầy, cơ sở dữ liệu sẽ không ghi được")
        if usage.free < DISK_WARNING or share < DISK_WARNING_SHARE:
            return Check(WARNING, name, f"{detail}: nên giải phóng chỗ")
        return Check(OK, name, detail)

    async def telegram(self) -> Check:
        name = "Telegram"
        try:
            tg = self.settings.block(TelegramSettings)
        except SettingError as exc:
            return Check(FAILURE, name, str(exc))
        if not tg.bot_token:
            return Check(OK, name, "không dùng (TELEGRAM_BOT_TOKEN trống)")
        host = urlsplit(tg.base_url).netloc or tg.base_url
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(f"{tg.base_url}{tg.bot_token}/getWebhookInfo") as answer,
            ):
                status = answer.status
                body: Any = await answer.json(content_type=None) if status != 404 else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return Check(FAILURE, name, f"không gọi được Bot API ở {host}: {type(exc).__name__}")
        if status in (401, 404):
            return Check(FAILURE, name, f"Bot API từ chối TELEGRAM_BOT_TOKEN ({status})")
        if status != 200 or not isinstance(body, dict) or not body.get("ok"):
            return Check(FAILURE, name, f"Bot API trả lời {status}")
        info = body.get("result") or {}
        return self._webhook(name, info)

    def _webhook(self, name: str, info: dict[str, Any]) -> Check:
        url = str(info.get("url") or "")
        pending = int(info.get("pending_update_count") or 0)
        public = (self.settings.hiendien_public_url or "").rstrip("/")
        expected = f"{public}/webhooks/telegram" if public else ""
        mode = f"webhook {url}" if url else "polling (không webhook)"
        detail = f"{mode}; {pending} cập nhật đang chờ"
        problems = []
        if url != expected:
            want = f"«{expected}»" if expected else "không webhook (HIENDIEN_PUBLIC_URL trống)"
            problems.append(f"cần {want}: hiendien run đặt lại khi khởi động")
        if pending >= PENDING_UPDATES_WARNING:
            problems.append("nhiều cập nhật chưa được nhận: hiendien run có đang chạy không?")
        when = info.get("last_error_date")
        if isinstance(when, int):
            at = datetime.fromtimestamp(when, tz=VIETNAM)
            if self.clock() - at < TELEGRAM_ERROR_RECENT:
                said = str(info.get("last_error_message") or "")[:200]
                problems.append(f"Telegram gửi lỗi lúc {local(at)}: {said}")
        if problems:
            return Check(WARNING, name, f"{detail}; " + "; ".join(problems))
        return Check(OK, name, detail)

    def zalo(self, store: Store) -> Check:
        name = "Zalo"
        zs = self.settings.block(ZaloSettings)
        if not zs.app_id:
            return Check(OK, name, "không dùng (ZALO_APP_ID trống)")
        with store.transaction() as tx:
            held = operations.token(tx, ZALO)
        if held is None:
            if zs.refresh_token:
                return Check(
                    WARNING,
                    name,
                    "chưa có token trong cơ sở dữ liệu; lần khởi động đầu dùng ZALO_REFRESH_TOKEN",
                )
            return Check(FAILURE, name, "chưa có token: chạy hiendien zalo set-token")
        now = self.clock()
        if held.failed_at is not None:
            return Check(
                FAILURE,
                name,
                f"Zalo từ chối token đã lưu (lúc {local(_aware(held.failed_at))}): "
                f"{(held.last_error or '')[:200]} — chạy hiendien zalo set-token",
            )
        rotated = now - _aware(held.updated_at)
        expires = _aware(held.expires_at)
        if rotated > ZALO_REFRESH_WARNING:
            left = ago(ZALO_REFRESH_LIFETIME - rotated)
            return Check(
                WARNING,
                name,
                f"refresh token đã {ago(rotated)} chưa đổi (hết hạn sau 3 tháng, còn khoảng "
                f"{left}): hiendien run có đang chạy không? Nếu hết hạn: hiendien zalo set-token",
            )
        if now - expires > ZALO_EXPIRED_GRACE:
            return Check(
                WARNING,
                name,
                f"access token hết hạn từ {local(expires)}: hiendien run làm mới nó khi chạy",
            )
        return Check(OK, name, f"access token dùng được đến {local(expires)}")

    def leader(self, store: Store) -> Check:
        name = "Bộ lập lịch (scheduler)"
        if not store.postgres:
            return Check(OK, name, "SQLite: một tiến trình hiendien run, tự lập lịch")
        with store.transaction() as tx:
            holder = operations.advisory_holder(tx, SCHEDULER_KEY)
        if holder is None:
            return Check(
                WARNING,
                name,
                f"không tiến trình nào giữ khoá lập lịch ({SCHEDULER_KEY}): hiendien run có "
                "đang chạy trên cơ sở dữ liệu này không?",
            )
        where = holder.address or "socket cục bộ"
        since = f", từ {local(_aware(holder.since))}" if holder.since else ""
        return Check(OK, name, f"tiến trình dẫn đầu: PostgreSQL pid {holder.pid} ({where}{since})")

    def outbox(self, store: Store) -> Check:
        name = "Hàng đợi thông báo (outbox)"
        with store.transaction() as tx:
            backlog = operations.outbox_backlog(tx, self.clock())
        detail = f"{backlog.pending} chờ gửi, {backlog.due} đến hạn"
        level = OK
        if backlog.oldest_due is not None:
            detail += f", lâu nhất đã chờ {ago(backlog.oldest_due)}"
            if backlog.oldest_due >= OUTBOX_FAILURE:
                level = FAILURE
            elif backlog.oldest_due >= OUTBOX_WARNING:
                level = WARNING
        if level > OK:
            detail += ": hiendien run có đang gửi không? (xem nhật ký, /healthz)"
        if backlog.dead_recently:
            level = max(level, WARNING)
            detail += f"; {backlog.dead_recently} thông báo bị bỏ trong 24 giờ qua (xem nhật ký)"
        return Check(level, name, detail)

    def backup(self, store: Store) -> Check:
        name = "Sao lưu (backup)"
        with store.transaction() as tx:
            last = backups.latest(tx)
        if last is None:
            return Check(WARNING, name, "chưa có bản sao lưu nào: hiendien backup --output TỆP")
        age = self.clock() - _aware(last.at)
        detail = f"lần gần nhất {ago(age)} trước ({local(_aware(last.at))}), {last.target}, "
        detail += size(last.size_bytes)
        if age > BACKUP_FAILURE:
            return Check(FAILURE, name, f"{detail}: quá cũ, sao lưu ngay")
        if age > BACKUP_WARNING:
            return Check(WARNING, name, f"{detail}: nên sao lưu hằng ngày")
        return Check(OK, name, detail)


def _with_connect_timeout(url: str, seconds: float) -> str:
    """PostgreSQL: give up connecting after ``seconds`` (libpq's connect_timeout), unless the
    URL says otherwise — a server that does not answer is a failure line, not a hang."""
    if is_sqlite(url):
        return url
    u = make_url(url)
    if "connect_timeout" in u.query:
        return url
    u = u.update_query_dict({"connect_timeout": str(max(1, int(seconds)))})
    return u.render_as_string(hide_password=False)


def _missing_sqlite_file(url: str) -> Path | None:
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or Path(database).exists():
        return None
    return Path(database).resolve()


def _why(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]


def _guarded(check: Callable[[Store], Check], store: Store) -> Check:
    """A check whose query fails (an older schema, a lost connection) is a failure line, not
    a traceback."""
    try:
        return check(store)
    except SettingError as exc:
        return Check(FAILURE, "Cấu hình (settings)", str(exc))
    except Exception as exc:
        what = check.__name__
        return Check(FAILURE, f"Kiểm tra {what}", f"không làm được: {_why(exc)}")
