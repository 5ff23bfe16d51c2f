"""The pieces of bot.limits on their own: the token buckets (on a clock the test moves), their
bounded memory, who the client is behind proxies, and the settings that configure them."""

from __future__ import annotations

import logging

import pytest

from bot.limits import Buckets, Drops, Limits, Rate, client_address, ip_key, retry_after
from bot.settings import SettingError, Settings, proxy_networks, read
from handlers.content import Content


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_gives_its_burst_then_one_token_per_interval() -> None:
    clock = Clock()
    buckets = Buckets(Rate(per_second=2.0, burst=5), clock)
    assert [buckets.take("a") for _ in range(5)] == [0.0] * 5
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("a") == pytest.approx(0.5)  # a refused request takes nothing
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(0.5)
    clock.now += 10  # full again: the burst, not more
    assert [buckets.take("a") for _ in range(6)].count(0.0) == 5
    assert buckets.take("b") == 0.0  # each key its own


def test_off_takes_nothing_and_keeps_nothing() -> None:
    buckets = Buckets(Rate(0.0, 10), Clock())
    assert all(buckets.take(str(n)) == 0.0 for n in range(1000))
    assert len(buckets) == 0


def test_idle_keys_are_forgotten_as_new_ones_come() -> None:
    clock = Clock()
    buckets = Buckets(Rate(per_second=1.0, burst=3), clock)
    for n in range(1000):
        buckets.take(f"u{n}")
        clock.now += 0.1  # a key is full again 1 s after its request
    assert len(buckets) <= 12


def test_the_map_never_holds_more_than_max_keys() -> None:
    clock = Clock()  # never moves: every key is busy
    buckets = Buckets(Rate(per_second=1.0, burst=3), clock, max_keys=100)
    for n in range(20_000):
        buckets.take(f"u{n}")
    assert len(buckets) == 100
    assert buckets.take("u19999") == 0.0  # the newest are kept: its second token
    assert buckets.take("u0") == 0.0  # the oldest was forgotten: a full bucket again


def test_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert [retry_after(s) for s in (0.001, 0.5, 1.0, 1.0000001, 2.2, 1200.0)] == [
        1,
        1,
        1,
        2,
        3,
        1200,
    ]


def test_ipv6_clients_are_keyed_by_their_64() -> None:
    assert ip_key("2001:db8:1:2:aaaa::1") == ip_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert ip_key("2001:db8:1:3::1") != ip_key("2001:db8:1:2::1")
    assert ip_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert ip_key("203.0.113.5") == "203.0.113.5"


def test_forwarded_for_only_from_a_trusted_proxy() -> None:
    trusted = proxy_networks("127.0.0.1, 10.0.0.0/8")
    assert client_address("127.0.0.1", "203.0.113.5", trusted) == "203.0.113.5"
    assert client_address("198.51.100.1", "203.0.113.5", trusted) == "198.51.100.1"
    assert client_address("127.0.0.1", "203.0.113.5", ()) == "127.0.0.1"
    # the client may write anything on the left; the rightmost untrusted hop is believed
    assert client_address("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.1.1", trusted) == ("203.0.113.5")
    assert client_address("127.0.0.1", "garbage, 10.1.1.1", trusted) == "10.1.1.1"
    assert client_address("127.0.0.1", "", trusted) == "127.0.0.1"
    assert client_address(None, None, trusted) == "?"
    # a peer that is not an address (a Unix socket) is nobody's trusted proxy
    assert client_address(None, "10.1.1.1", trusted) == "?"
    assert client_address("/run/hiendien.sock", "10.1.1.1", trusted) == "/run/hiendien.sock"


def test_drops_are_logged_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    drops = Drops(clock)
    with caplog.at_level(logging.WARNING, logger="bot.limits"):
        for _ in range(500):
            drops.note("zalo")
        clock.now += 60
        drops.note("zalo")
    assert [r.getMessage() for r in caplog.records] == [
        "zalo: bỏ 1 sự kiện của người gửi quá nhanh (giới hạn mỗi người dùng) / "
        "dropped 1 events over a user's limit",
        "zalo: bỏ 500 sự kiện của người gửi quá nhanh (giới hạn mỗi người dùng) / "
        "dropped 500 events over a user's limit",
    ]
    assert drops.total == {"zalo": 501}


def test_the_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIENDIEN_TRUSTED_PROXIES", " 10.0.0.1 , 192.168.0.0/16,::1")
    assert read(Settings).hiendien_trusted_proxies == "10.0.0.1/32,192.168.0.0/16,::1/128"
    monkeypatch.setenv("HIENDIEN_TRUSTED_PROXIES", "proxy.local")
    with pytest.raises(SettingError) as e:
        read(Settings)
    assert "HIENDIEN_TRUSTED_PROXIES" in str(e.value) and "proxy.local" in str(e.value)
    monkeypatch.delenv("HIENDIEN_TRUSTED_PROXIES")
    monkeypatch.setenv("HIENDIEN_CHAT_MAX_BYTES", "100")
    with pytest.raises(SettingError) as e:
        read(Settings)
    assert "HIENDIEN_CHAT_MAX_BYTES" in str(e.value)
    monkeypatch.delenv("HIENDIEN_CHAT_MAX_BYTES")
    defaults = read(Settings)
    assert defaults.hiendien_webhook_rate_per_ip == 0  # off: the platforms' few servers
    assert defaults.hiendien_trusted_proxies is None


def test_every_map_keeps_at_most_the_keys_the_setting_allows(content: Content) -> None:
    limits = Limits(Settings.defaults(hiendien_limit_max_keys=250), content)
    maps = (
        limits.chat_ip,
        limits.chat_user,
        limits.new_conversations,
        limits.webhook_ip,
        limits.webhook_user,
    )
    assert [m.max_keys for m in maps] == [250] * 5


def test_a_map_of_one_key_keeps_one() -> None:
    buckets = Buckets(Rate(per_second=1.0, burst=3), Clock(), max_keys=1)
    buckets.take("a")
    buckets.take("b")
    assert len(buckets) == 1 and buckets.knows("b") and not buckets.knows("a")
