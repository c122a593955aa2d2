"""Decode and check request parameters against the schema table, like Telegram does.

Form and multipart bodies carry every value as a string: numbers and booleans are parsed,
complex fields (reply_markup, scope, commands, entities, ...) are JSON-decoded. JSON bodies
must carry the right JSON types. Unknown parameters are refused on purpose (Telegram ignores
them) so that a typo in the bot fails loudly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import errors
from .errors import ApiError, bad_request
from .schema import METHODS, SCALAR_TYPES, Param


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    file_name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.file_name!r}, {self.content_type!r}, {len(self.data)} bytes)"


@dataclass(slots=True)
class RawRequest:
    """A request body before decoding: field values and file parts."""

    fields: dict[str, Any]
    files: dict[str, UploadedFile]
    is_json: bool = False


_INT_RE = re.compile(r"-?\d{1,20}")
_BOOL_FORM = {"true": True, "false": False, "1": True, "0": False}
_INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_INLINE_FIELDS = {"text", "icon_custom_emoji_id", "style", *_INLINE_ACTIONS}
_REPLY_ACTIONS = (
    "request_users", "request_chat", "request_managed_bot", "request_contact",
    "request_location", "request_poll", "web_app",
)  # fmt: skip
_REPLY_FIELDS = {"text", "icon_custom_emoji_id", "style", *_REPLY_ACTIONS}
_MARKUP_KEYS = {
    "inline_keyboard": "InlineKeyboardMarkup",
    "keyboard": "ReplyKeyboardMarkup",
    "remove_keyboard": "ReplyKeyboardRemove",
    "force_reply": "ForceReply",
}
SCOPE_TYPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class _Mismatch(Exception):
    """The value is not of this alternative type; try the next one."""


def decode_params(method: str, raw: RawRequest) -> dict[str, Any]:
    """Decode the parameters of ``method``; raise ApiError(400) on any problem."""
    schema = METHODS[method]
    for key in raw.fields:
        if key not in schema:
            raise bad_request(f"unknown parameter {key}")
    attached: set[str] = set()
    params: dict[str, Any] = {}
    for name, param in schema.items():
        value = raw.fields.get(name)
        if value is None and name in raw.files:
            value = raw.files[name]
            attached.add(name)
        if value is None:
            if param.required:
                raise bad_request(f'parameter "{name}" is required')
            continue
        params[name] = decode_value(name, param, value, raw, attached)
    for key in raw.files:
        if key not in attached:
            raise bad_request(f"unknown parameter {key}")
    return params


def decode_value(name: str, param: Param, value: Any, raw: RawRequest, attached: set[str]) -> Any:
    from_form = not raw.is_json
    for alternative in param.types:
        try:
            if alternative in SCALAR_TYPES:
                return _scalar(alternative, value, from_form, raw, attached)
        except _Mismatch:
            continue
    objects = [t for t in param.types if t not in SCALAR_TYPES]
    if not objects:
        raise bad_request(f'parameter "{name}" must be of type {param.type}')
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    if value is None:
        raise bad_request(f'parameter "{name}" must be of type {param.type}')
    if len(objects) > 1 and isinstance(value, dict):  # the reply_markup union
        kinds = [_MARKUP_KEYS[k] for k in _MARKUP_KEYS if k in value]
        if not kinds or kinds[0] not in objects:
            raise bad_request("can't parse reply keyboard markup JSON object")
        objects = kinds[:1]
    if (
        objects == ["InlineKeyboardMarkup"]
        and isinstance(value, dict)
        and ("inline_keyboard" not in value)
    ):
        raise bad_request("inline keyboard expected")
    check_object(objects[0], value, name)
    return value


def _scalar(kind: str, value: Any, from_form: bool, raw: RawRequest, attached: set[str]) -> Any:
    if kind == "InputFile":
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            key = value[len("attach://") :]
            if key in raw.files:
                attached.add(key)
                return raw.files[key]
            raise bad_request(f"file {key} not found in the request (attach://{key})")
        raise _Mismatch
    if isinstance(value, UploadedFile):
        raise _Mismatch
    if kind == "String" and isinstance(value, str):
        return value
    if kind == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_form and isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return int(value)
    if kind == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if from_form and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        if from_form and isinstance(value, str) and value.lower() in _BOOL_FORM:
            return _BOOL_FORM[value.lower()]
    raise _Mismatch


# -- object checks ---------------------------------------------------------------------------


def check_object(kind: str, value: Any, name: str) -> None:
    """Check a decoded JSON value against a Bot API object type; raise ApiError(400)."""
    if kind.startswith("Array of "):
        if not isinstance(value, list):
            raise bad_request(f'parameter "{name}" must be of type {kind}')
        if kind == "Array of BotCommand" and len(value) > errors.MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for item in value:
            check_object(kind[len("Array of ") :], item, name)
        return
    if kind == "String":
        if not isinstance(value, str):
            raise bad_request(f'parameter "{name}" must be of type Array of String')
        return
    if kind == "Integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad_request(f'parameter "{name}" must be of type Array of Integer')
        return
    if not isinstance(value, dict):
        raise bad_request(f"can't parse {name} JSON object: {kind} must be an Object")
    checker = _CHECKERS.get(kind)
    if checker is not None:
        checker(value)


def _inline_keyboard(markup: dict[str, Any]) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    _count_buttons(rows, errors.MAX_INLINE_BUTTONS, errors.MAX_INLINE_ROW, "inline keyboard")
    for row in rows:
        for button in row:
            _inline_button(button)


def _count_buttons(rows: list[list[Any]], total: int, per_row: int, what: str) -> None:
    count = sum(len(row) for row in rows)
    widest = max((len(row) for row in rows), default=0)
    if count > total or widest > per_row:
        raise bad_request(
            f"too many buttons in the {what}: {count} buttons, {widest} in the widest row"
            f" (at most {total}, and {per_row} per row)"
        )


def _inline_button(button: Any) -> None:
    def fail(message: str) -> ApiError:
        return bad_request(f"can't parse inline keyboard button: {message}")

    if not isinstance(button, dict):
        raise fail("InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise fail('Field "text" must be of type String')
    if not button["text"].strip():
        raise fail('Field "text" must be non-empty')
    for key in button:
        if key not in _INLINE_FIELDS:
            raise fail(f'unknown field "{key}"')
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise fail("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise fail(f"exactly one action field must be used, found {', '.join(actions)}")
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= errors.MAX_CALLBACK_DATA
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _valid_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")


def _valid_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"}:
        return bool(parts.hostname)
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


def _reply_keyboard(markup: dict[str, Any]) -> None:
    rows = markup.get("keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    _count_buttons(rows, errors.MAX_REPLY_BUTTONS, errors.MAX_REPLY_ROW, "reply keyboard")
    for row in rows:
        for button in row:
            if isinstance(button, str):
                continue
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
            unknown = [key for key in button if key not in _REPLY_FIELDS]
            if unknown:
                raise bad_request(f'can\'t parse keyboard button: unknown field "{unknown[0]}"')
            if sum(key in button for key in _REPLY_ACTIONS) > 1:
                raise bad_request("can't parse keyboard button: at most one request field")


def _true_field(field: str) -> Any:
    def check(markup: dict[str, Any]) -> None:
        if markup.get(field) is not True:
            raise bad_request(f'field "{field}" must be true')

    return check


def _scope(scope: dict[str, Any]) -> None:
    kind = scope.get("type")
    if kind not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope: unknown type")
    for key in SCOPE_TYPES[kind]:
        if key not in scope:
            raise bad_request(f'can\'t parse BotCommandScope: field "{key}" is required')
    extra = set(scope) - {"type", *SCOPE_TYPES[kind]}
    if extra:
        raise bad_request(f'can\'t parse BotCommandScope: unknown field "{sorted(extra)[0]}"')


def _bot_command(command: dict[str, Any]) -> None:
    name, description = command.get("command"), command.get("description")
    if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
        raise bad_request("BOT_COMMAND_INVALID")
    if (
        not isinstance(description, str)
        or not description.strip()
        or len(description) > errors.MAX_COMMAND_DESCRIPTION
    ):
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


def _entity(entity: dict[str, Any]) -> None:
    ok = (
        isinstance(entity.get("type"), str)
        and isinstance(entity.get("offset"), int)
        and isinstance(entity.get("length"), int)
        and entity["offset"] >= 0
        and entity["length"] >= 0
    )
    if not ok:
        raise bad_request("can't parse MessageEntity: type, offset and length are required")


def _reply_parameters(reply: dict[str, Any]) -> None:
    message_id = reply.get("message_id")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise bad_request('can\'t parse ReplyParameters: field "message_id" must be an Integer')


_CHECKERS = {
    "InlineKeyboardMarkup": _inline_keyboard,
    "ReplyKeyboardMarkup": _reply_keyboard,
    "ReplyKeyboardRemove": _true_field("remove_keyboard"),
    "ForceReply": _true_field("force_reply"),
    "BotCommandScope": _scope,
    "BotCommand": _bot_command,
    "MessageEntity": _entity,
    "ReplyParameters": _reply_parameters,
}
