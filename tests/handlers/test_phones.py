"""Phone numbers typed by people: handlers.phones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.phones import PhoneProblem, mask_phone, national, parse_phone

E164 = "+84912345678"

ACCEPTED = [
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "0912-345-678",
    "+84912345678",
    "+84 912 345 678",
    "84-912-345-678",
    "84912345678",
    "(+84) 912 345 678",
    "(+84)912345678",
    "sđt của tôi là 0912345678",
    "sdt cua toi la 0912 345 678 nhé",
    "SĐT: 0912.345.678.",
    "em 20 tuổi, số 0912345678, gọi sau 5h nhé",
    "０９１２３４５６７８",  # full-width digits from some phone keyboards
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_forms(text: str) -> None:
    assert parse_phone(text) == E164


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0243 825 3456", "+842438253456"),  # a Hà Nội landline
        ("028 3822 1234", "+842838221234"),  # a Hồ Chí Minh City landline
        ("0387654321", "+84387654321"),
        ("0587654321", "+84587654321"),
        ("0701234567", "+84701234567"),
        ("0812345678", "+84812345678"),
        ("0912345678 hoặc 0987654321", "+84912345678"),  # the first one
        ("+1 202 555 0143 hoặc 0987654321", "+84987654321"),  # the Vietnamese one
    ],
)
def test_other_vietnamese_numbers(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", PhoneProblem.NOT_A_NUMBER),
        ("   ", PhoneProblem.NOT_A_NUMBER),
        ("không có", PhoneProblem.NOT_A_NUMBER),
        ("abc", PhoneProblem.NOT_A_NUMBER),
        ("+", PhoneProblem.NOT_A_NUMBER),
        ("😀", PhoneProblem.NOT_A_NUMBER),
        ("091234567", PhoneProblem.INVALID),  # one digit short
        ("09123456789", PhoneProblem.INVALID),  # one digit too many
        ("0912345", PhoneProblem.INVALID),
        ("0112345678", PhoneProblem.INVALID),  # no such prefix
        ("0012345678", PhoneProblem.INVALID),
        ("0890123456", PhoneProblem.INVALID),  # unallocated in libphonenumber's metadata
        ("0992123456", PhoneProblem.INVALID),
        ("0912 abc 678", PhoneProblem.INVALID),  # letters are not keypad digits here
        ("09l2345678", PhoneProblem.INVALID),
        ("20", PhoneProblem.INVALID),
        ("'; DROP TABLE lead;--", PhoneProblem.NOT_A_NUMBER),
        ("1" * 300, PhoneProblem.INVALID),
        ("+1 202 555 0143", PhoneProblem.NOT_VIETNAMESE),
        ("+44 20 7946 0958", PhoneProblem.NOT_VIETNAMESE),
        ("+33 1 42 68 53 00", PhoneProblem.NOT_VIETNAMESE),
    ],
)
def test_problems(text: str, problem: PhoneProblem) -> None:
    assert parse_phone(text) is problem


def test_national_and_mask() -> None:
    assert national(E164) == "0912 345 678"
    assert mask_phone(E164) == "091****678"
    assert national("+842438253456") == "024 3825 3456"
    assert mask_phone("+842438253456") == "024*****456"


def test_national_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        national("not a number")


# --- properties -----------------------------------------------------------------------------

MOBILE_PREFIXES = [
    *range(32, 40),
    56,
    58,
    70,
    *range(76, 80),
    *range(81, 90),
    *range(90, 95),
    *range(96, 100),
]
SPACINGS = [  # n: the 9 national digits; x y z: split 3-3-3; p q r: split 2-3-4
    "0{n}",
    "0{x} {y} {z}",
    "0{x}.{y}.{z}",
    "0{x}-{y}-{z}",
    "0{p} {q} {r}",
    "+84{n}",
    "+84 {x} {y} {z}",
    "+84 {p} {q} {r}",
    "84{n}",
    "84-{x}-{y}-{z}",
    "(+84) {x} {y} {z}",
    "sđt: 0{n} ạ",
    "Số của em là 0{p}.{q}.{r} nhé",
]

# libphonenumber knows 089 only as 0896-0899 and 099 without 0992: those are not allocated.
UNALLOCATED = ("0890", "0891", "0892", "0893", "0894", "0895", "0992")
mobiles = st.tuples(
    st.sampled_from(MOBILE_PREFIXES),
    st.text("0123456789", min_size=7, max_size=7),
).filter(lambda m: not f"0{m[0]}{m[1]}".startswith(UNALLOCATED))


@given(mobile=mobiles, spacing=st.sampled_from(SPACINGS))
def test_mobiles_round_trip(mobile: tuple[int, str], spacing: str) -> None:
    n = f"{mobile[0]}{mobile[1]}"
    text = spacing.format(n=n, x=n[:3], y=n[3:6], z=n[6:], p=n[:2], q=n[2:5], r=n[5:])
    e164 = f"+84{n}"
    assert parse_phone(text) == e164
    assert parse_phone(national(e164)) == e164


@given(mobile=mobiles)
def test_mask_hides_the_middle(mobile: tuple[int, str]) -> None:
    prefix, rest = mobile
    e164 = f"+84{prefix}{rest}"
    masked = mask_phone(e164)
    digits = f"0{prefix}{rest}"
    assert masked == digits[:3] + "****" + digits[-3:]
    assert len(masked) == 10 and masked[3:7] == "****"  # the middle four digits are gone


@given(text=st.text())
def test_never_raises(text: str) -> None:
    found = parse_phone(text)
    if isinstance(found, str):
        assert found.startswith("+84")
        assert parse_phone(found) == found
    else:
        assert isinstance(found, PhoneProblem)
