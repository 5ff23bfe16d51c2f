"""Campaign sources (db.sources): adding, checking, changing and archiving them, and their
funnel counted from real conversations held through the conversation service, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from bot.turns import Conversations
from db import audit, sources
from db.models import Source
from db.sources import Funnel, SourceError
from db.store import Store
from db.tables import conversation_t, lead_t, source_t
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.conversations import LEAD_DIALOGUE, talk
from tests.support.records import rows


def add(store: Store, code: str, name: str = "Họp chi hội", org: str = "Hội Phụ nữ") -> dict:
    with store.transaction() as tx:
        return sources.add(tx, code, name, org, actor="cli")


def error_of(store: Store, code: str, name: str = "Tên", org: str = "Hội Phụ nữ") -> SourceError:
    with pytest.raises(SourceError) as caught, store.transaction() as tx:
        sources.add(tx, code, name, org, actor="cli")
    return caught.value


# --- adding and checking ----------------------------------------------------------------------


def test_a_source_is_stored_with_its_code_in_lower_case_and_its_words_trimmed(
    store: Store,
) -> None:
    added = add(store, " HoiPhuNu-T12 ", "  Họp   chi hội\ttháng 12 ", " Hội Phụ nữ ")
    assert (added["code"], added["name"], added["organisation"]) == (
        "hoiphunu-t12",
        "Họp chi hội tháng 12",
        "Hội Phụ nữ",
    )
    with store.transaction() as tx:
        found = sources.get(tx, "HOIPHUNU-t12")
        events = audit.events(tx, action="source_changed")
    assert found is not None and found["name"] == "Họp chi hội tháng 12"
    assert found["archived_at"] is None
    assert [(e["actor"], e["target"], e["detail"]["change"]) for e in events] == [
        ("cli", "source:hoiphunu-t12", "added")
    ]


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("", "code_invalid"),
        ("hội-phụ-nữ", "code_invalid"),  # Telegram's /start takes no diacritics
        ("hoi phu nu", "code_invalid"),
        ("hoi.phu.nu", "code_invalid"),
        ("a" * 65, "code_invalid"),
        ("staff-abc", "code_reserved"),  # Telegram's deep link for a staff invite
        ("STAFF-abc", "code_reserved"),
    ],
)
def test_a_code_that_telegram_or_the_staff_links_would_not_take_is_refused(
    sqlite_store: Store, code: str, key: str
) -> None:
    assert error_of(sqlite_store, code).key == key
    assert rows(sqlite_store, Source) == []


def test_the_longest_code_telegram_takes_is_accepted(sqlite_store: Store) -> None:
    assert add(sqlite_store, "A-z_0" * 12 + "abcd")["code"] == "a-z_0" * 12 + "abcd"


@pytest.mark.parametrize(
    ("name", "org", "key"),
    [
        ("   ", "Hội Phụ nữ", "name_empty"),
        ("x" * 101, "Hội Phụ nữ", "name_too_long"),
        ("Họp", "\t ", "organisation_empty"),
        ("Họp", "y" * 101, "organisation_too_long"),
    ],
)
def test_an_empty_or_too_long_name_or_organisation_is_refused(
    sqlite_store: Store, name: str, org: str, key: str
) -> None:
    assert error_of(sqlite_store, "hoiphunu", name, org).key == key


def test_a_code_taken_in_any_case_or_by_an_archived_source_is_refused(store: Store) -> None:
    add(store, "hoiphunu")
    assert error_of(store, "HoiPhuNu").key == "code_taken"
    with store.transaction() as tx:
        sources.archive(tx, "hoiphunu", actor="cli")
    error = error_of(store, "hoiphunu")
    assert (error.key, error.params) == ("code_taken", {"code": "hoiphunu"})
    assert len(rows(store, Source)) == 1


def test_every_error_has_words_in_each_language(content: Content) -> None:
    params = {"code": "x", "max": 64, "length": 101}
    for key in (
        "code_invalid",
        "code_reserved",
        "code_taken",
        "unknown",
        "name_empty",
        "name_too_long",
        "organisation_empty",
        "organisation_too_long",
    ):
        for lang in ("vi", "en"):
            assert content.render(lang, f"sources.error.{key}", **params).strip()


# --- changing and archiving -------------------------------------------------------------------


def test_a_source_is_renamed_and_its_organisation_changed_with_the_old_values_audited(
    store: Store,
) -> None:
    add(store, "loa", "Loa phát thanh", "Trung tâm")
    with store.transaction() as tx:
        changed = sources.change(
            tx,
            "LOA",
            name=" Loa truyền thanh  tổ 5 ",
            organisation="Loa truyền thanh phường",
            actor="a@ward.vn",
            actor_user_id=None,
        )
        same = sources.change(tx, "loa", name="Loa truyền thanh tổ 5", actor="cli")
        events = audit.events(tx, action="source_changed")
    assert (changed["name"], changed["organisation"]) == (
        "Loa truyền thanh tổ 5",
        "Loa truyền thanh phường",
    )
    assert same == changed  # nothing changed: nothing audited
    assert [e["detail"]["change"] for e in events] == ["changed", "added"]
    assert events[0]["actor"] == "a@ward.vn"
    assert events[0]["detail"]["old_name"] == "Loa phát thanh"
    assert events[0]["detail"]["organisation"] == "Loa truyền thanh phường"


def test_changing_an_unknown_source_or_emptying_a_name_is_refused(store: Store) -> None:
    add(store, "loa")
    with pytest.raises(SourceError) as caught, store.transaction() as tx:
        sources.change(tx, "nope", name="x", actor="cli")
    assert (caught.value.key, caught.value.params) == ("unknown", {"code": "nope"})
    with pytest.raises(SourceError) as caught, store.transaction() as tx:
        sources.change(tx, "loa", name=" ", actor="cli")
    assert caught.value.key == "name_empty"


def test_an_archived_source_leaves_the_list_until_it_is_unarchived(store: Store) -> None:
    add(store, "b-hoinongdan", "Họp tháng 12", "Hội Nông dân")
    add(store, "a-hoiphunu", "Họp tháng 12", "Hội Phụ nữ")
    with store.transaction() as tx:
        assert sources.archive(tx, "A-HOIPHUNU", actor="cli") is True
        assert sources.archive(tx, "a-hoiphunu", actor="cli") is False  # already
        shown = [r["code"] for r in sources.listing(tx)]
        every = [r["code"] for r in sources.listing(tx, archived=True)]
    assert shown == ["b-hoinongdan"]
    assert every == ["b-hoinongdan", "a-hoiphunu"]  # by organisation, then name
    with store.transaction() as tx:
        assert sources.unarchive(tx, "a-hoiphunu", actor="cli") is True
        assert sources.unarchive(tx, "a-hoiphunu", actor="cli") is False
        assert len(sources.listing(tx)) == 2
        changes = [e["detail"]["change"] for e in audit.events(tx, action="source_changed")]
    assert changes == ["unarchived", "archived", "added", "added"]
    with pytest.raises(SourceError), store.transaction() as tx:
        sources.archive(tx, "nope", actor="cli")


# --- the funnel ---------------------------------------------------------------------------------


def say(conv: Conversations, user: str, *texts: str) -> None:
    talk(conv, user, *texts)


def tap(conv: Conversations, user: str, payload: str) -> None:
    assert conv.handle_sync(Inbound("web", user, payload=payload)) is not None


def lead_dialogue(start: str, phone: str) -> tuple[str, ...]:
    """The lead dialogue of tests.support.conversations from ``start``, with ``phone``."""
    out = [start, *LEAD_DIALOGUE[1:]]
    out[out.index("0912 345 678")] = phone
    return tuple(out)


@pytest.fixture
def residents(store: Store, content: Content) -> Store:
    """Six residents talk to the bot on the web:

    - lan: from hoiphunu, eligible (a young person), leaves a lead;
    - minh: from HoiPhuNu (any case), a household business without a certificate: not eligible;
    - hoa: from hoiphunu, says nothing more;
    - binh: from doanthanhnien, eligible, leaves a lead, registered, then erases their data;
    - cuong: from doanthanhnien, eligible, leaves a lead, then erases their data;
    - an: no source, eligible, leaves a lead.
    """
    conv = Conversations(store, content, lambda: TODAY)
    say(conv, "lan", *lead_dialogue("/start hoiphunu", "0912 345 678"))
    say(conv, "minh", "/start HoiPhuNu", "ho kinh doanh", "chua co")
    say(conv, "hoa", "/start hoiphunu")
    say(conv, "binh", *lead_dialogue("/start doanthanhnien", "0987 654 321"))
    say(conv, "cuong", *lead_dialogue("/start doanthanhnien", "0977 111 222"))
    say(conv, "an", *lead_dialogue("/start", "0966 333 444"))
    with store.transaction() as tx:  # the team registered Bình's domain (db.followup's part)
        tx.conn.execute(
            update(lead_t).where(lead_t.c.user_ref == "binh").values(status="registered")
        )
    for user in ("binh", "cuong"):
        say(conv, user, "/xoa")
        tap(conv, user, "yes")
    return store


def test_the_funnel_counts_each_step_per_source_from_real_conversations(
    residents: Store,
) -> None:
    with residents.transaction() as tx:
        hoiphunu = sources.funnel(tx, "hoiphunu")
        upper = sources.funnel(tx, "HOIPHUNU")
        youth = sources.funnel(tx, "doanthanhnien")
        everyone = sources.funnel(tx, None)
        each = sources.funnels(tx)
        nobody = sources.funnel(tx, "never-used")
    assert hoiphunu == Funnel(conversations=3, verdicts=2, eligible=1, leads=1, registered=0)
    assert upper == hoiphunu
    # both erased their data: their conversations are gone, their verdicts and requests
    # (and Bình's registration) still count
    assert youth == Funnel(
        conversations=0, verdicts=2, eligible=2, leads=2, contacted=1, registered=1
    )
    assert each[None] == Funnel(conversations=1, verdicts=1, eligible=1, leads=1, registered=0)
    assert set(each) == {"hoiphunu", "doanthanhnien", None}
    assert everyone == hoiphunu + youth + each[None]
    assert nobody == Funnel()


def test_the_list_gives_each_source_its_funnel_and_the_unlisted_codes_theirs(
    residents: Store,
) -> None:
    add(residents, "hoiphunu", "Họp chi hội", "Hội Phụ nữ")
    add(residents, "loa", "Loa tổ 5", "Loa truyền thanh phường")
    with residents.transaction() as tx:
        listed = {r["code"]: r["funnel"] for r in sources.listing(tx)}
        others = sources.unlisted(tx)
    assert listed == {
        "hoiphunu": Funnel(conversations=3, verdicts=2, eligible=1, leads=1, registered=0),
        "loa": Funnel(),
    }
    assert set(others) == {"doanthanhnien", None}
    assert others["doanthanhnien"].leads == 2


def test_a_period_counts_what_was_made_on_vietnams_days(residents: Store) -> None:
    """Verdicts are counted on the day the service's clock gave (TODAY); conversations and
    leads by their creation instant, on Vietnam's calendar: 17:30 UTC on the 24th is already
    the 25th in Vietnam."""
    late_on_the_24th_utc = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 on the 25th, VN
    early_on_the_24th_utc = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 23:30 on the 24th, VN
    with residents.transaction() as tx:
        for user, at in (
            ("lan", late_on_the_24th_utc),
            ("minh", early_on_the_24th_utc),
            ("hoa", datetime(2026, 11, 26, 12, 0, tzinfo=UTC)),
        ):
            tx.conn.execute(
                update(conversation_t)
                .where(conversation_t.c.user_ref == user)
                .values(created_at=at)
            )
        tx.conn.execute(
            update(lead_t).where(lead_t.c.user_ref == "lan").values(created_at=late_on_the_24th_utc)
        )
    day = TODAY
    assert day == date(2026, 11, 25)
    with residents.transaction() as tx:
        on_the_25th = sources.funnel(tx, "hoiphunu", since=day, until=day)
        on_the_24th = sources.funnel(
            tx, "hoiphunu", since=date(2026, 11, 24), until=date(2026, 11, 24)
        )
        before = sources.funnel(tx, "hoiphunu", until=date(2026, 11, 23))
        after = sources.funnel(tx, "hoiphunu", since=date(2026, 11, 26))
    assert on_the_25th.conversations == 1  # lan
    assert on_the_25th.leads == 1 and on_the_25th.verdicts == 2
    assert on_the_24th == Funnel(conversations=1)  # minh
    assert before == Funnel()
    assert after == Funnel(conversations=1)  # hoa


def test_a_source_row_is_never_needed_to_count(store: Store, content: Content) -> None:
    """The engine records any well-formed code: the funnel reads the conversation rows, and
    a source added later shows what came before it."""
    conv = Conversations(store, content, lambda: TODAY)
    say(conv, "lan", "/start tdp5")
    with store.transaction() as tx:
        assert tx.conn.execute(select(source_t)).all() == []
        assert sources.funnel(tx, "tdp5").conversations == 1
