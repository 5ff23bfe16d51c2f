"""Zalo's guards, against the product: contact info shared through Zalo's card is refused at
the lead steps until the resident consented in the chat; every form of the signature the
platform notes allow (shared/platforms/zalo-oa.md: with or without ``mac=``, upper- or
lower-case hex) is accepted by bot/channels/zalo/signature.py and every other refused.

The signature's expected digest is written out, not computed here."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.channels.zalo import signature
from db import conversations
from db.models import Consent, Conversation, Lead
from db.store import Store
from handlers.content import Content
from tests.support.records import rows
from tests.support.zalo_chat import running, say, settled, tap
from tests.support.zalo_standin import ZaloStandIn

PHONE = "84912345678"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


def nothing_of(store: Store, name: str) -> None:
    """No lead, no consent granted, and neither the name nor the number in any
    conversation."""
    assert rows(store, Lead) == []
    assert [c for c in rows(store, Consent) if c["granted"]] == []
    for row in rows(store, Conversation):
        assert name not in row["state"] and "912345678" not in row["state"]


async def share(zalo: ZaloStandIn, hook: str, user: str, name: str) -> None:
    assert await zalo.post_webhook(hook, zalo.submit_info(user, name, phone=PHONE)) == 200
    await settled(hook)


async def to_the_consent_question(zalo: ZaloStandIn, hook: str, user: str) -> None:
    await say(zalo, hook, user, "/start", wait=2)
    await tap(zalo, hook, user, "Cá nhân")
    await say(zalo, hook, user, "15/03/2005")
    await say(zalo, hook, user, "co", wait=3)
    await tap(zalo, hook, user, "Bỏ qua")
    await tap(zalo, hook, user, "nhờ cán bộ")  # asked for consent, not yet given


async def test_shared_info_at_the_consent_question_is_not_taken(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await to_the_consent_question(zalo, hook, user)
        sent = len(zalo.sent_to(user))
        await share(zalo, hook, user, "Lê Văn Cường")
        assert len(zalo.sent_to(user)) == sent  # nothing answered for it either
    nothing_of(sqlite_store, "Cường")


async def test_shared_info_after_declining_is_not_taken(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await to_the_consent_question(zalo, hook, user)
        await say(zalo, hook, user, "không đồng ý")
        await share(zalo, hook, user, "Lê Văn Cường")
    nothing_of(sqlite_store, "Cường")


@pytest.mark.parametrize("step", ["lead_name", "lead_phone"])
async def test_shared_info_at_a_lead_step_without_consent_is_not_taken(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content, step: str
) -> None:
    """The conversation stands at the step asking for the name (or the number) but holds
    no consent (an old state, a bug elsewhere): the card is still refused."""
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        with sqlite_store.transaction() as tx:
            loaded = conversations.load(tx, "zalo", user)
            slots = {k: v for k, v in loaded.state.slots.items() if k != "consented"}
            state = dataclasses.replace(loaded.state, step=step, slots=slots)
            conversations.save(tx, "zalo", user, loaded, state)
        await share(zalo, hook, user, "Lê Văn Cường")
    nothing_of(sqlite_store, "Cường")


async def test_with_consent_the_same_card_is_taken(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    """The other side of the guard: after "đồng ý" the card fills the name and number."""
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await to_the_consent_question(zalo, hook, user)
        await say(zalo, hook, user, "đồng ý", wait=2)
        await share(zalo, hook, user, "Lê Văn Cường")
        await say(zalo, hook, user, "5")
        await say(zalo, hook, user, "buổi sáng", wait=2)
    [lead] = rows(sqlite_store, Lead)
    assert (lead["name"], lead["phone"]) == ("Lê Văn Cường", "+84912345678")


# --- the signature ----------------------------------------------------------------------------

APP_ID = "4987529027887079763"
SECRET = "oa-secret-key-123"
BODY = (
    '{"app_id":"4987529027887079763","event_name":"user_send_text",'
    '"timestamp":"1795000000000","message":{"text":"xin chào"}}'
).encode()
# sha256(app id + body + "1795000000000" + OA secret key), computed once outside the tests
HEX = "9fedc6701f2e0d7f5ff3a375defc76913df8e033124829ebc19ecdb45c213380"
HMAC_HEX = "43b3243175c527282446f123d980a2015e9ab7516027634d26118571b9c1c777"  # HMAC, key=secret
APP_SECRET_HEX = "1eca9fb5d239e448e83c2f337a03233f4d2bd55a40e7a38a3aa656fa769abf2f"


def verify(header: str | None, body: bytes = BODY) -> bool:
    return signature.verify(body, header, app_id=APP_ID, secret=SECRET)


@pytest.mark.parametrize(
    "header",
    [
        f"mac={HEX}",
        HEX,
        f"mac={HEX.upper()}",
        HEX.upper(),
        f"MAC={HEX}",
        f" mac={HEX} ",
        f"mac={HEX[:32]}{HEX[32:].upper()}",
    ],
    ids=["mac-lower", "bare-lower", "mac-upper", "bare-upper", "MAC-prefix", "spaces", "mixed"],
)
def test_every_allowed_form_is_accepted(header: str) -> None:
    assert verify(header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "mac=",
        f"mac={HEX[:-1]}",
        f"mac={HEX}0",
        f"mac={HEX[:-1]}0" if HEX[-1] != "0" else f"mac={HEX[:-1]}1",
        f"mac={HMAC_HEX}",
        f"mac={APP_SECRET_HEX}",
        f"sha256={HEX}",
        f"mac=mac={HEX}",
        f"mac={HEX[:-1]}ā",
        f"mac= {HEX[:32]} {HEX[32:]}",
    ],
    ids=[
        "missing",
        "empty",
        "prefix-only",
        "short",
        "long",
        "one-digit-off",
        "hmac",
        "app-secret",
        "other-prefix",
        "double-prefix",
        "not-ascii",
        "split",
    ],
)
def test_every_other_form_is_refused(header: str | None) -> None:
    assert not verify(header)


def test_the_signature_covers_the_exact_bytes() -> None:
    assert not verify(f"mac={HEX}", BODY.replace("chào".encode(), b"chao"))
    assert not verify(f"mac={HEX}", BODY + b" ")
    assert not signature.verify(BODY, f"mac={HEX}", app_id=APP_ID, secret="another-secret")
    assert not signature.verify(BODY, f"mac={HEX}", app_id="1", secret=SECRET)


# The variants the platform notes say to tolerate behind ZALO_SIGNATURE_VARIANT: the OA's id
# in place of the app's (in the body as "oa_id", or as the recipient of an echo), and the
# timestamp from an X-ZEvent-Timestamp header. Digests computed once outside the tests.
OA_ID = "579745863508352884"
OA_BODY = (
    '{"app_id":"4987529027887079763","oa_id":"579745863508352884","event_name":"user_send_text",'
    '"timestamp":"1795000000000","message":{"text":"xin chào"}}'
).encode()
OA_HEX = "85f519fea98a96319b5fdec9fd630905b1a4afd6c067307f92d85798979ae26b"
ECHO_BODY = (
    '{"app_id":"4987529027887079763","event_name":"oa_send_text",'
    '"sender":{"id":"579745863508352884"},"recipient":{"id":"579745863508352884"},'
    '"timestamp":"1795000000000","message":{"text":"xin chào"}}'
).encode()
ECHO_HEX = "cd9a0e6d3e9d208f3e1a6032ac04805979a8eaae6b51e9824828ed2e1f39d4a4"
HEADER_TIMESTAMP = "1795000000123"
HEADER_HEX = "1bc58f42c2a521964361d4b98da230a2909f33d1750622059a6e9e97fc5ff9de"  # over BODY
NO_TIMESTAMP = (
    '{"app_id":"4987529027887079763","event_name":"user_send_text","message":{"text":"xin chào"}}'
).encode()
NO_TIMESTAMP_HEX = "0cb5b50c9a5a56b5a3513ff4394bcc4d20d5a5aa9ba1723458bcaa559d9f9d88"  # over ""


def test_the_oa_id_variant_signs_with_the_oa_id_from_the_body() -> None:
    def oa(body: bytes, hex_: str) -> bool:
        return signature.verify(body, f"mac={hex_}", app_id=APP_ID, secret=SECRET, variant="oa_id")

    assert oa(OA_BODY, OA_HEX)
    assert oa(ECHO_BODY, ECHO_HEX)  # no "oa_id": the recipient's id
    assert not oa(OA_BODY, HEX)  # the app id's digest is not the OA id's
    assert not oa(BODY, HEX)  # no OA id in the body at all: refused, not an error
    assert not verify(f"mac={OA_HEX}", OA_BODY)  # and the default variant wants the app id


def test_the_header_timestamp_variant_signs_with_the_header() -> None:
    def by_header(stamp: str | None, hex_: str = HEADER_HEX) -> bool:
        return signature.verify(
            BODY,
            f"mac={hex_}",
            app_id=APP_ID,
            secret=SECRET,
            variant="header_timestamp",
            header_timestamp=stamp,
        )

    assert by_header(HEADER_TIMESTAMP)
    assert not by_header(None)  # no header, nothing signed
    assert not by_header(HEADER_TIMESTAMP, HEX)  # the body's timestamp is not the one
    assert not by_header("1795000000124")
    assert not by_header("１７９５０００００００１２３")  # not ASCII
    assert not verify(f"mac={HEADER_HEX}")  # the default variant reads the body's


def test_a_body_without_a_timestamp_is_never_taken() -> None:
    # signed over an empty timestamp, as a careless sender would: still refused
    assert not verify(f"mac={NO_TIMESTAMP_HEX}", NO_TIMESTAMP)
    assert not verify(f"mac={HEX}", NO_TIMESTAMP)


def test_the_moment_zalo_says_it_sent_the_event() -> None:
    sent = datetime(2026, 11, 18, 11, 6, 40, tzinfo=UTC)
    assert signature.sent_at(BODY) == sent
    assert signature.sent_at(NO_TIMESTAMP) is None
    assert signature.sent_at(NO_TIMESTAMP, "header_timestamp", HEADER_TIMESTAMP) == sent.replace(
        microsecond=123000
    )
    assert signature.sent_at(BODY, "header_timestamp", None) is None  # not the body's then
    assert signature.sent_at(BODY, "header_timestamp", "１７９５０００００００１２３") is None
    assert signature.sent_at(BODY, "header_timestamp", "99999999999999999999") is None
