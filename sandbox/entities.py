"""Telegram's HTML formatting: parse to visible text + MessageEntity list, and text measures.

The parser follows the algorithm of tdlib's ``parse_html`` (which the Bot API server uses), so
error messages and byte offsets match Telegram's ``Bad Request: can't parse entities: ...``.
One deliberate difference: Telegram keeps a bare ``&`` that starts no known entity as a
literal character; the sandbox rejects it, because the Bot API documentation requires it to be
escaped and an unescaped ``&`` usually means user input was not escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "code", "pre", "blockquote", "tg-emoji", "tg-time",
    }
)  # fmt: skip
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PLAIN = re.compile(r"[^&<]+")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    begin: int  # UTF-16 offset in the output
    attrs: dict[str, str] = field(default_factory=dict)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    # -- helpers -------------------------------------------------------------------------
    def fail(self, message: str) -> None:
        raise bad_request(f"can't parse entities: {message}")

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.peek().isspace():
            self.i += 1

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.pos16 += utf16_len(chars)

    def entity(self, start: int) -> tuple[str, int]:
        """Decode the HTML entity at ``start``; return (character, index after it)."""
        text = self.text
        end = text.find(";", start + 1, start + 12)
        if end != -1:
            name = text[start + 1 : end]
            if name in _NAMED:
                return _NAMED[name], end + 1
            code: int | None = None
            if re.fullmatch(r"#[0-9]{1,7}", name):
                code = int(name[1:])
            elif re.fullmatch(r"#[xX][0-9A-Fa-f]{1,6}", name):
                code = int(name[2:], 16)
            if code is not None and 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), end + 1
        self.fail(
            f'unescaped "&" or unsupported HTML entity at byte offset {self.byte_offset(start)};'
            " use &amp; &lt; &gt; &quot; or a numeric entity"
        )
        raise AssertionError  # unreachable

    # -- main loop -------------------------------------------------------------------------
    def run(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            if c == "&":
                char, self.i = self.entity(self.i)
                self.emit(char)
            elif c != "<":
                # Plain text runs up to the next markup character, emitted at once.
                run = _PLAIN.match(text, self.i)
                assert run is not None
                self.emit(run.group())
                self.i = run.end()
            elif self.i + 1 < len(text) and text[self.i + 1] == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def start_tag(self) -> None:
        text, begin = self.text, self.i
        at = self.byte_offset(begin)
        self.i += 1
        name_start = self.i
        while self.i < len(text) and not text[self.i].isspace() and text[self.i] != ">":
            self.i += 1
        if self.i >= len(text):
            self.fail(f"Unclosed start tag at byte offset {at}")
        tag = text[name_start : self.i].lower()
        if tag not in ALLOWED_TAGS:
            self.fail(f'Unsupported start tag "{tag}" at byte offset {at}')
        attrs: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.i >= len(text):
                self.fail(f'Unclosed start tag "{tag}" at byte offset {at}')
            if text[self.i] == ">":
                break
            name_start = self.i
            while self.i < len(text) and not text[self.i].isspace() and text[self.i] not in "=>":
                self.i += 1
            attr = text[name_start : self.i].lower()
            if not attr:
                self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
            self.skip_spaces()
            if self.peek() != "=":
                if tag == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                    f" at byte offset {at}"
                )
            self.i += 1
            self.skip_spaces()
            attrs[attr] = self.attribute_value(tag, at)
        self.i += 1  # '>'
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if tag == "tg-emoji" and not attrs.get("emoji-id"):
            self.fail(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
        if tag == "tg-time" and not attrs.get("unix", "").isdigit():
            self.fail(f'Tag "tg-time" must have attribute "unix" at byte offset {at}')
        self.stack.append(_Open(tag, self.pos16, attrs))

    def attribute_value(self, tag: str, at: int) -> str:
        text = self.text
        quote = self.peek()
        if quote == "":
            self.fail(f'Unclosed start tag "{tag}" at byte offset {at}')
        if quote not in "'\"":
            token_start = self.i
            while self.i < len(text) and (text[self.i].isalnum() or text[self.i] in ".-"):
                self.i += 1
            if self.peek() and not self.peek().isspace() and self.peek() != ">":
                self.fail(
                    f"Unexpected end of name token at byte offset {self.byte_offset(token_start)}"
                )
            return text[token_start : self.i].lower()
        self.i += 1
        value: list[str] = []
        while self.i < len(text) and text[self.i] != quote:
            if text[self.i] == "&":
                char, self.i = self.entity(self.i)
                value.append(char)
            else:
                value.append(text[self.i])
                self.i += 1
        if self.i >= len(text):
            self.fail(f'Unclosed start tag "{tag}" at byte offset {at}')
        self.i += 1
        return "".join(value)

    def end_tag(self) -> None:
        text, begin = self.text, self.i
        at = self.byte_offset(begin)
        if not self.stack:
            self.fail(f"Unexpected end tag at byte offset {at}")
        self.i += 2
        name_start = self.i
        while self.i < len(text) and not text[self.i].isspace() and text[self.i] != ">":
            self.i += 1
        name = text[name_start : self.i].lower()
        self.skip_spaces()
        if self.peek() != ">":
            self.fail(f"Unclosed end tag at byte offset {at}")
        self.i += 1
        opened = self.stack.pop()
        if name and name != opened.tag:
            self.fail(
                f'Unmatched end tag at byte offset {at}, expected "</{opened.tag}>",'
                f' found "</{name}>"'
            )
        self.close(opened)

    def close(self, opened: _Open) -> None:
        length = self.pos16 - opened.begin
        if length <= 0:
            return
        entity: dict[str, Any] = {"offset": opened.begin, "length": length}
        tag, attrs = opened.tag, opened.attrs
        if tag in _SIMPLE:
            entity["type"] = _SIMPLE[tag]
            language = attrs.get("class", "")
            in_pre = bool(self.stack) and self.stack[-1].tag == "pre"
            if tag == "code" and in_pre and language.startswith("language-"):
                # <pre><code class="language-x"> gives one pre entity with a language.
                self.stack[-1].attrs["language"] = language[len("language-") :]
                return
            if tag == "pre" and attrs.get("language"):
                entity["language"] = attrs["language"]
        elif tag == "a":
            href = attrs.get("href", "")
            if not href:
                return
            match = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if match:
                entity["type"] = "text_mention"
                entity["user"] = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
            else:
                entity["type"] = "text_link"
                entity["url"] = href
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif tag == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = attrs["emoji-id"]
        elif tag == "tg-time":
            entity["type"] = "date_time"
            entity["unix_time"] = int(attrs["unix"])
            if attrs.get("format"):
                entity["date_time_format"] = attrs["format"]
        self.entities.append(entity)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the visible text and the entities of an HTML-formatted message text."""
    return _Parser(text).run()


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram does, moving the entities along."""
    stripped = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip()
    total = utf16_len(stripped)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def format_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of a text or caption sent with ``parse_mode``."""
    if not parse_mode:
        return strip_text(text, [])
    if parse_mode.lower() == "html":
        return strip_text(*parse_html(text))
    if parse_mode.lower() in {"markdown", "markdownv2"}:
        raise bad_request(f'unsupported parse_mode "{parse_mode}": the sandbox only parses HTML')
    raise bad_request("unsupported parse_mode")


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities Telegram adds to a user's message, e.g. for ``/start abc``."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]
