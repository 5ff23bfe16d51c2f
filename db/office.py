"""Ward office accounts and their sign-in: users, one-time links to set a password, failed
sign-ins and locks, and server-side sessions.

A secret that grants access (a session id, a one-time link) is handed to the person once and
kept here only as its SHA-256, so a copy of the database opens nothing. Passwords arrive here
already hashed (argon2, bot.office.passwords). Imports db.models, db.store, db.tables and
handlers.text.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from db.models import utcnow
from db.store import Tx
from db.tables import audit_t, member_t, office_session_t, office_user_t, team_t
from handlers.text import nfc

ROLES = ("admin", "leader", "member")
LINK_TTL = timedelta(hours=24)
IDLE_TIMEOUT = timedelta(hours=8)
LOCK_AFTER = 5  # failed sign-ins in a row lock an account …
LOCK_FOR = timedelta(minutes=15)  # … for this long
IP_LIMIT = 20  # failed sign-ins from one address within LOCK_FOR: that address waits
TOUCH_EVERY = timedelta(minutes=1)  # a session's last_seen_at is written at most this often

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountError(ValueError):
    """Input an account cannot take; ``code`` names the problem (the words are in content,
    ``office.errors.<code>``) and ``value`` what was given."""

    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.value = value


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normal_email(email: str) -> str:
    """The address as stored (trimmed, lower case); AccountError("bad_email") if it is not one."""
    value = nfc(email).lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise AccountError("bad_email", email)
    return value


def add_user(
    tx: Tx, email: str, name: str, role: str, team_id: int | None, now: datetime | None = None
) -> tuple[int, str]:
    """A new account without a password; (its id, the one-time link's token)."""
    address = normal_email(email)
    shown = nfc(name)
    if not shown or len(shown) > 100:
        raise AccountError("bad_name", name)
    if role not in ROLES:
        raise AccountError("bad_role", role)
    if role != "admin" and team_id is None:
        raise AccountError("team_needed", role)
    if user_by_email(tx, address) is not None:
        raise AccountError("email_taken", address)
    user_id: int = tx.conn.execute(
        insert(office_user_t).returning(office_user_t.c.id),
        {
            "email": address,
            "name": shown,
            "role": role,
            "team_id": None if role == "admin" else team_id,
            "created_at": now or utcnow(),
        },
    ).scalar_one()
    return user_id, new_link(tx, user_id, now)


def new_link(tx: Tx, user_id: int, now: datetime | None = None) -> str:
    """A one-time link token to set the password (valid :data:`LINK_TTL`); an older link of
    the same user stops working."""
    token = secrets.token_urlsafe(24)
    tx.conn.execute(
        update(office_user_t)
        .where(office_user_t.c.id == user_id)
        .values(link_hash=digest(token), link_expires_at=(now or utcnow()) + LINK_TTL)
    )
    return token


def user_by_email(tx: Tx, email: str) -> dict[str, Any] | None:
    row = (
        tx.conn.execute(select(office_user_t).where(office_user_t.c.email == email.lower()))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def user_by_id(tx: Tx, user_id: int) -> dict[str, Any] | None:
    query = (
        select(office_user_t, team_t.c.name.label("team"))
        .select_from(office_user_t.outerjoin(team_t, team_t.c.id == office_user_t.c.team_id))
        .where(office_user_t.c.id == user_id)
    )
    row = tx.conn.execute(query).mappings().first()
    return dict(row) if row else None


def users(tx: Tx) -> list[dict[str, Any]]:
    """Every account with its team's name and how many chat accounts it linked."""
    linked = (
        select(func.count())
        .select_from(member_t)
        .where(member_t.c.office_user_id == office_user_t.c.id, member_t.c.active.is_(True))
        .scalar_subquery()
    )
    query = (
        select(office_user_t, team_t.c.name.label("team"), linked.label("chats"))
        .select_from(office_user_t.outerjoin(team_t, team_t.c.id == office_user_t.c.team_id))
        .order_by(office_user_t.c.role, office_user_t.c.email)
    )
    return [dict(r) for r in tx.conn.execute(query).mappings()]


def user_for_link(tx: Tx, token: str, now: datetime) -> dict[str, Any] | None:
    """The account a one-time link belongs to, while it is valid."""
    row = (
        tx.conn.execute(
            select(office_user_t).where(
                office_user_t.c.link_hash == digest(token), office_user_t.c.active.is_(True)
            )
        )
        .mappings()
        .first()
    )
    if row is None or row["link_expires_at"] is None or row["link_expires_at"] < now:
        return None
    return dict(row)


def set_password(tx: Tx, user_id: int, password_hash: str) -> None:
    """Store the new hash; the link is used up, the lock lifted, every session signed out."""
    tx.conn.execute(
        update(office_user_t)
        .where(office_user_t.c.id == user_id)
        .values(
            password_hash=password_hash,
            link_hash=None,
            link_expires_at=None,
            failed_logins=0,
            locked_until=None,
        )
    )
    close_sessions_of(tx, user_id)


def set_totp(tx: Tx, user_id: int, secret: str | None) -> None:
    tx.conn.execute(
        update(office_user_t).where(office_user_t.c.id == user_id).values(totp_secret=secret)
    )


def set_lang(tx: Tx, user_id: int, lang: str) -> None:
    tx.conn.execute(update(office_user_t).where(office_user_t.c.id == user_id).values(lang=lang))


def locked(user: dict[str, Any], now: datetime) -> bool:
    until = user["locked_until"]
    return until is not None and until > now


def failed_login(tx: Tx, user_id: int, now: datetime) -> bool:
    """Count a failed sign-in; True when it locks the account (the count starts again)."""
    count: int = tx.conn.execute(
        update(office_user_t)
        .where(office_user_t.c.id == user_id)
        .values(failed_logins=office_user_t.c.failed_logins + 1)
        .returning(office_user_t.c.failed_logins)
    ).scalar_one()
    if count < LOCK_AFTER:
        return False
    tx.conn.execute(
        update(office_user_t)
        .where(office_user_t.c.id == user_id)
        .values(failed_logins=0, locked_until=now + LOCK_FOR)
    )
    return True


def failures_from(tx: Tx, ip: str, now: datetime) -> int:
    """Failed sign-ins from one address within :data:`LOCK_FOR` (read off the audit log)."""
    count: int = tx.conn.execute(
        select(func.count())
        .select_from(audit_t)
        .where(
            audit_t.c.action == "login_failed", audit_t.c.ip == ip, audit_t.c.at > now - LOCK_FOR
        )
    ).scalar_one()
    return count


def open_session(tx: Tx, user_id: int, ip: str | None, now: datetime) -> tuple[str, str]:
    """A new session: (the id for the cookie, its CSRF token)."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    tx.conn.execute(
        insert(office_session_t),
        {
            "id_hash": digest(session_id),
            "user_id": user_id,
            "csrf": csrf,
            "created_at": now,
            "last_seen_at": now,
            "ip": ip,
        },
    )
    tx.conn.execute(
        update(office_user_t)
        .where(office_user_t.c.id == user_id)
        .values(failed_logins=0, last_login_at=now)
    )
    return session_id, csrf


def session_user(tx: Tx, session_id: str, now: datetime) -> dict[str, Any] | None:
    """The signed-in user of a session id (with ``csrf``), or None: unknown, idle past
    :data:`IDLE_TIMEOUT` (then deleted) or the account deactivated."""
    key = digest(session_id)
    row = (
        tx.conn.execute(select(office_session_t).where(office_session_t.c.id_hash == key))
        .mappings()
        .first()
    )
    if row is None:
        return None
    if row["last_seen_at"] <= now - IDLE_TIMEOUT:
        tx.conn.execute(delete(office_session_t).where(office_session_t.c.id_hash == key))
        return None
    user = user_by_id(tx, row["user_id"])
    if user is None or not user["active"]:
        return None
    if now - row["last_seen_at"] >= TOUCH_EVERY:
        tx.conn.execute(
            update(office_session_t)
            .where(office_session_t.c.id_hash == key)
            .values(last_seen_at=now)
        )
    return {**user, "csrf": row["csrf"]}


def close_session(tx: Tx, session_id: str) -> None:
    tx.conn.execute(
        delete(office_session_t).where(office_session_t.c.id_hash == digest(session_id))
    )


def close_sessions_of(tx: Tx, user_id: int) -> None:
    tx.conn.execute(delete(office_session_t).where(office_session_t.c.user_id == user_id))


def prune_sessions(tx: Tx, now: datetime) -> int:
    """Delete sessions idle past the timeout; how many."""
    done = tx.conn.execute(
        delete(office_session_t).where(office_session_t.c.last_seen_at <= now - IDLE_TIMEOUT)
    )
    return int(done.rowcount or 0)


def change_role(tx: Tx, user_id: int, role: str, team_id: int | None) -> dict[str, Any]:
    """Give an account another role (and team); the values before, for the audit log."""
    if role not in ROLES:
        raise AccountError("bad_role", role)
    if role != "admin" and team_id is None:
        raise AccountError("team_needed", role)
    before = user_by_id(tx, user_id)
    if before is None:
        raise AccountError("no_user", str(user_id))
    tx.conn.execute(
        update(office_user_t)
        .where(office_user_t.c.id == user_id)
        .values(role=role, team_id=None if role == "admin" else team_id)
    )
    close_sessions_of(tx, user_id)  # the new rights apply from the next sign-in
    return {"role": before["role"], "team_id": before["team_id"]}


def set_active(tx: Tx, user_id: int, active: bool) -> None:
    tx.conn.execute(
        update(office_user_t).where(office_user_t.c.id == user_id).values(active=active)
    )
    if not active:
        close_sessions_of(tx, user_id)
