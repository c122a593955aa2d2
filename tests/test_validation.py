"""The rules for what people type, including inputs nobody would think of (hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.validation import (
    NAME_MAX,
    Invalid,
    clean_name,
    clean_phone,
    clean_postal_code,
    split_payload,
)


@pytest.mark.parametrize("code", ["29200", "75001", "20000", "97400", "98800", " 29 200 "])
def test_french_postal_codes(code: str) -> None:
    assert clean_postal_code(code) == code.replace(" ", "")


@pytest.mark.parametrize("code", ["", "abc", "hello", "2920", "292000", "00100", "96000", "99999"])
def test_not_postal_codes(code: str) -> None:
    with pytest.raises(Invalid):
        clean_postal_code(code)


def test_names() -> None:
    assert clean_name("  Anne   Le  Bihan ") == "Anne Le Bihan"
    assert clean_name("<b>&") == "<b>&"
    for bad, reason in [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 5000, "too_long"),
        ("a\u202eb", "unprintable"),
    ]:
        with pytest.raises(Invalid) as caught:
            clean_name(bad)
        assert caught.value.reason == reason


@given(st.text())
def test_clean_name_never_lets_through_what_it_should_not(raw: str) -> None:
    try:
        name = clean_name(raw)
    except Invalid:
        return
    assert 1 <= len(name) <= NAME_MAX
    assert name == name.strip()


def test_phones() -> None:
    assert clean_phone("+33 6 12 34 56 78") == "+33612345678"
    assert clean_phone("33612345678") == "+33612345678"
    with pytest.raises(Invalid):
        clean_phone("call me")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("t_abc-DEF_1", ("team", "abc-DEF_1")),
        ("r_xyz", ("ref", "xyz")),
        (None, None),
        ("", None),
        ("t_", None),
        ("x_abc", None),
        ("t_a b", None),
        ("t_" + "a" * 63, None),
        ("t_<script>", None),
    ],
)
def test_deep_link_payloads(payload: str | None, expected: tuple[str, str] | None) -> None:
    assert split_payload(payload) == expected
