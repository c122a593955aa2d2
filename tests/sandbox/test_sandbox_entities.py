"""The HTML parser on its own: properties with hypothesis, plus tdlib-like details."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.entities import command_entities, format_text, parse_html, utf16_len
from sandbox.errors import ApiError

TAGS = ["b", "i", "u", "s", "code", "tg-spoiler", "em", "strong", "del", "ins"]


@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    visible, entities = parse_html(html.escape(text, quote=False))
    assert visible == text and entities == []


@given(st.lists(st.tuples(st.sampled_from(TAGS), st.text(min_size=1)), max_size=6))
def test_entities_cover_exactly_the_tagged_text(parts: list[tuple[str, str]]) -> None:
    source = "".join(f"<{tag}>{html.escape(chunk)}</{tag}>" for tag, chunk in parts)
    visible, entities = parse_html(source)
    assert visible == "".join(chunk for _, chunk in parts)
    offset = 0
    for (_, chunk), entity in zip(parts, entities, strict=True):
        assert (entity["offset"], entity["length"]) == (offset, utf16_len(chunk))
        offset += utf16_len(chunk)


@given(st.text(alphabet=st.sampled_from("<>&ab/ \"'=;#x1")))
def test_parser_never_crashes(source: str) -> None:
    try:
        parse_html(source)
    except ApiError as error:
        assert error.code == 400
        assert error.description.startswith("Bad Request: can't parse entities: ")


def test_utf16_offsets_after_astral_characters() -> None:
    visible, entities = parse_html("\U0001f600 <b>x</b>")
    assert visible == "\U0001f600 x"
    assert entities == [{"offset": 3, "length": 1, "type": "bold"}]


def test_nested_and_attributes() -> None:
    _, entities = parse_html("<b>a <i>b</i></b> <a href='tg://user?id=42'>me</a>")
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert kinds == [("bold", 0, 3), ("italic", 2, 1), ("text_mention", 4, 2)]


def test_surrounding_whitespace_is_trimmed_with_entities() -> None:
    assert format_text("  <b> hi </b>\n", "HTML") == (
        "hi",
        [{"offset": 0, "length": 2, "type": "bold"}],
    )


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("/start", [(0, 6)]),
        ("/start t_abc", [(0, 6)]),
        ("/report@terrain_test_bot now", [(0, 24)]),
        ("see /help please", [(4, 5)]),
        ("a/b and http://x/y", []),
    ],
)
def test_bot_command_entities(text: str, commands: list[tuple[int, int]]) -> None:
    found = [(e["offset"], e["length"]) for e in command_entities(text)]
    assert found == commands
