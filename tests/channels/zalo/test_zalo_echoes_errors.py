"""Zalo against the product, where the platform talks back: the automatic ``oa_send_*``
echoes of the bot's own messages (switched on in the stand-in), including an echo that
arrives before the send has returned its message id; and what the product does when Zalo
answers a send with -32 (rate limit), -213 (not a follower), -234 or -244 (the user cannot
be written to) (shared/platforms/zalo-oa.md)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from db.models import Conversation
from db.store import Store
from handlers.content import Content
from tests.support.records import rows
from tests.support.zalo_chat import running, say, settled
from tests.support.zalo_standin import ZaloStandIn


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn() as stand_in:
        yield stand_in


def paused(store: Store, user: str) -> bool:
    [row] = [r for r in rows(store, Conversation) if r["user_ref"] == user]
    return row["paused_until"] is not None


@pytest.mark.parametrize("first", [False, True], ids=["echo-after-id", "echo-before-id"])
async def test_the_echoes_of_the_bots_own_messages_pause_nothing(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content, first: bool
) -> None:
    """Every message the bot sends comes back as an ``oa_send_text`` event; the bot knows
    them as its own, even when the echo comes before Zalo answered the send with the id."""
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        zalo.echo_webhook_url = hook
        zalo.echo_first = first
        zalo.echo_delay = 0.0 if first else 0.05
        await say(zalo, hook, user, "/start", wait=2)
        await say(zalo, hook, user, "1")
        own = [m["message_id"] for m in zalo.sent_to(user)]
        await zalo.wait_for(
            lambda: (
                sorted(d.event["message"]["msg_id"] for d in zalo.echoes if d.status == 200)
                == sorted(own)
            )
        )
        await settled(hook)
        assert not paused(sqlite_store, user)
        assert "Bạn có phải là công dân Việt Nam" in await say(zalo, hook, user, "15/03/2005")
    assert not paused(sqlite_store, user)


async def test_a_staff_message_in_the_oa_manager_among_echoes_pauses_the_bot(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        zalo.echo_webhook_url = hook
        zalo.echo_first = True
        zalo.echo_delay = 0.0
        await say(zalo, hook, user, "/start", wait=2)
        assert await zalo.post_webhook(hook, zalo.oa_echo(user, "Chị hỗ trợ em nhé")) == 200
        await settled(hook)
    assert paused(sqlite_store, user)


async def test_a_rate_limited_reply_is_sent_again(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content
) -> None:
    """-32: Zalo's rate limit; the reply is tried again (after a short backoff) and arrives."""
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        zalo.fail_next("message/cs", -32)
        before = len(zalo.calls_to("message/cs"))
        assert "Bạn sinh ngày nào" in await say(zalo, hook, user, "1")
        assert len(zalo.calls_to("message/cs")) - before == 2  # refused once, then sent


async def test_a_rate_limit_that_persists_gives_up_after_four_tries(
    zalo: ZaloStandIn, sqlite_store: Store, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        zalo.fail_next("message/cs", -32, times=4)
        before, sent = len(zalo.calls_to("message/cs")), len(zalo.sent_to(user))
        assert await zalo.post_webhook(hook, zalo.user_text(user, "1")) == 200
        await zalo.wait_for(lambda: len(zalo.calls_to("message/cs")) - before == 4, timeout=10)
        await settled(hook)
        assert len(zalo.calls_to("message/cs")) - before == 4
        assert len(zalo.sent_to(user)) == sent
    assert any("not delivered" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("code", [-213, -234, -244])
async def test_a_user_who_cannot_be_written_to_is_not_retried(
    zalo: ZaloStandIn,
    sqlite_store: Store,
    content: Content,
    caplog: pytest.LogCaptureFixture,
    code: int,
) -> None:
    """-213 (not a follower), -234/-244 (Zalo refuses messages to this user): the reply is
    dropped after one try and logged; the conversation goes on when the resident writes
    again and Zalo accepts."""
    caplog.set_level(logging.WARNING)
    user = zalo.add_user()
    async with running(zalo, sqlite_store, content, seed=zalo.seed_refresh_token()) as url:
        hook = url + "/webhooks/zalo"
        await say(zalo, hook, user, "/start", wait=2)
        zalo.fail_next("message/cs", code)
        before, sent = len(zalo.calls_to("message/cs")), len(zalo.sent_to(user))
        assert await zalo.post_webhook(hook, zalo.user_text(user, "1")) == 200
        await zalo.wait_for(lambda: len(zalo.calls_to("message/cs")) > before)
        await settled(hook)
        assert len(zalo.calls_to("message/cs")) - before == 1  # not retried
        assert len(zalo.sent_to(user)) == sent
        assert any(
            "not delivered" in r.getMessage() and str(code) in r.getMessage()
            for r in caplog.records
        )
        # the turn was taken: the next answer is read as the birth date
        assert "Bạn có phải là công dân Việt Nam" in await say(zalo, hook, user, "15/03/2005")
