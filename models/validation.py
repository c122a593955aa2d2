"""Rules for what people type. Each check returns the clean value or raises Invalid with a
reason code; the handlers turn the code into a translated message."""

from __future__ import annotations

import re
import unicodedata

NAME_MAX = 64
PHONE_MAX = 32
# Metropolitan departments 01-95 (Corsica is 20xxx), overseas 971-976, and 980-988.
POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$|^97[1-6]\d{2}$|^98[0-8]\d{2}$")
DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Invalid(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_name(raw: str) -> str:
    """A display name: printable, whitespace collapsed, 1 to NAME_MAX characters."""
    text = " ".join(raw.split())
    if not text:
        raise Invalid("empty")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text):
        raise Invalid("unprintable")
    if len(text) > NAME_MAX:
        raise Invalid("too_long")
    return text


def clean_postal_code(raw: str) -> str:
    text = raw.strip().replace(" ", "")
    if not POSTAL_CODE.match(text):
        raise Invalid("postal_code")
    return text


def clean_phone(raw: str) -> str:
    text = re.sub(r"[^\d+]", "", raw)
    if not re.fullmatch(r"\+?\d{6,20}", text):
        raise Invalid("phone")
    return text if text.startswith("+") else f"+{text}"


def split_payload(raw: str | None) -> tuple[str, str] | None:
    """A /start payload as (kind, value): ("team", token) or ("ref", code); None if malformed."""
    if not raw or not DEEP_LINK_PAYLOAD.match(raw):
        return None
    kind, _, value = raw.partition("_")
    if not value:
        return None
    if kind == "t":
        return "team", value
    if kind == "r":
        return "ref", value
    return None
