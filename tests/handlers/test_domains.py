"""A registered domain name as the team records it (handlers.domains.registered_name): any
valid name under .vn, Vietnamese letters included, stored lower case; anything else refused."""

from __future__ import annotations

import pytest

from handlers.domains import registered_name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("tranvanbinh.id.vn", "tranvanbinh.id.vn"),
        (" TranVanBinh.ID.VN ", "tranvanbinh.id.vn"),
        ("hoa-shop.biz.vn", "hoa-shop.biz.vn"),
        ("quan-an-9.com.vn.", "quan-an-9.com.vn"),  # the root's dot
        ("Bình.vn", "bình.vn"),  # Vietnamese letters directly under .vn
        ("xn--bnh-nma.vn", "bình.vn"),  # the same name as the DNS writes it
        ("a" * 63 + ".vn", "a" * 63 + ".vn"),
    ],
)
def test_a_valid_name_under_vn_is_kept_lower_case(typed: str, stored: str) -> None:
    assert registered_name(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "vn",
        "id.vn",  # a zone, not a name
        "biz.vn",
        "tranvanbinh.com",  # not under .vn
        "tranvanbinh.vn.com",
        "-binh.id.vn",
        "binh-.id.vn",
        "binh..id.vn",
        "bình id.vn",
        "binh_an.id.vn",
        "https://binh.id.vn",
        "a" * 64 + ".vn",
        ("a" * 60 + ".") * 5 + "vn",  # over 253 characters
        "xn--zz.vn",  # not valid punycode
    ],
)
def test_anything_else_is_refused(typed: str) -> None:
    assert registered_name(typed) is None
