"""Bot API errors and the limits the sandbox enforces."""

from __future__ import annotations

import random
from collections import deque
from typing import Any

# Limits stated in the Bot API documentation.
MAX_TEXT = 4096  # message text, UTF-16 code units after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes, UTF-8
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
MAX_COMMAND_LEN = 32
MAX_COMMAND_DESCRIPTION = 256
MAX_FILE_SIZE = 50 * 1024 * 1024
# Limits from the Bot FAQ / observed behaviour, not in the spec.
MAX_INLINE_BUTTONS = 100
MAX_INLINE_ROW = 8
MAX_REPLY_BUTTONS = 300
MAX_REPLY_ROW = 12


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code", "description"}``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")
CHAT_NOT_FOUND = "chat not found"
BLOCKED = "bot was blocked by the user"


class Flaky:
    """A bad network day: a share of calls get a 429 (retry after 1 s), a 500, or no answer."""

    def __init__(self, rate: float, seed: int = 0) -> None:
        self.rate = rate
        self.random = random.Random(seed)  # noqa: S311 - chaos, not cryptography
        self.hits: dict[str, int] = {"429": 0, "500": 0, "timeout": 0}

    def roll(self, method: str) -> ApiError | str | None:
        if self.random.random() >= self.rate:
            return None
        kind = self.random.choice(("429", "500", "timeout"))
        self.hits[kind] += 1
        if kind == "429":
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if kind == "500":
            return ApiError(500, "Internal Server Error")
        return "timeout"


class FloodControl:
    """Telegram's overall limit on sends: at most `per_second` in any sliding second."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self.recent: deque[float] = deque()
        self.refused = 0

    def check(self, now: float) -> None:
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= self.per_second:
            self.refused += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self.recent.append(now)
