"""Per-method parameter table of the Bot API methods the sandbox serves.

Copied by hand from the official Bot API description (``shared/telegram/bot-api.json``,
Bot API 10.1); the sandbox never reads that file at run time. Type names are spelled exactly
as in the spec, several types joined with `` or ``. ``tests/sandbox/test_conformance.py``
checks this table against the spec whenever the spec is present.

Deprecated parameters that the spec no longer lists (``reply_to_message_id``,
``disable_web_page_preview``, ...) are absent on purpose: the sandbox rejects them as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a method: its Telegram type name and whether it is required."""

    type: str
    required: bool = False

    @property
    def types(self) -> tuple[str, ...]:
        """The alternatives of a union type, e.g. ("Integer", "String")."""
        return tuple(self.type.split(" or "))


METHODS: dict[str, dict[str, Param]] = {
    "getMe": {},
    "getUpdates": {
        "offset": Param("Integer"),
        "limit": Param("Integer"),
        "timeout": Param("Integer"),
        "allowed_updates": Param("Array of String"),
    },
    "deleteWebhook": {
        "drop_pending_updates": Param("Boolean"),
    },
    "setWebhook": {
        "url": Param("String", required=True),
        "certificate": Param("InputFile"),
        "ip_address": Param("String"),
        "max_connections": Param("Integer"),
        "allowed_updates": Param("Array of String"),
        "drop_pending_updates": Param("Boolean"),
        "secret_token": Param("String"),
    },
    "getWebhookInfo": {},
    "setMyCommands": {
        "commands": Param("Array of BotCommand", required=True),
        "scope": Param("BotCommandScope"),
        "language_code": Param("String"),
    },
    "deleteMyCommands": {
        "scope": Param("BotCommandScope"),
        "language_code": Param("String"),
    },
    "getMyCommands": {
        "scope": Param("BotCommandScope"),
        "language_code": Param("String"),
    },
    "sendMessage": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String", required=True),
        "message_thread_id": Param("Integer"),
        "direct_messages_topic_id": Param("Integer"),
        "text": Param("String", required=True),
        "parse_mode": Param("String"),
        "entities": Param("Array of MessageEntity"),
        "link_preview_options": Param("LinkPreviewOptions"),
        "disable_notification": Param("Boolean"),
        "protect_content": Param("Boolean"),
        "allow_paid_broadcast": Param("Boolean"),
        "message_effect_id": Param("String"),
        "suggested_post_parameters": Param("SuggestedPostParameters"),
        "reply_parameters": Param("ReplyParameters"),
        "reply_markup": Param(
            "InlineKeyboardMarkup or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply"
        ),
    },
    "editMessageText": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String"),
        "message_id": Param("Integer"),
        "inline_message_id": Param("String"),
        "text": Param("String"),
        "parse_mode": Param("String"),
        "entities": Param("Array of MessageEntity"),
        "link_preview_options": Param("LinkPreviewOptions"),
        "rich_message": Param("InputRichMessage"),
        "reply_markup": Param("InlineKeyboardMarkup"),
    },
    "editMessageReplyMarkup": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String"),
        "message_id": Param("Integer"),
        "inline_message_id": Param("String"),
        "reply_markup": Param("InlineKeyboardMarkup"),
    },
    "editMessageCaption": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String"),
        "message_id": Param("Integer"),
        "inline_message_id": Param("String"),
        "caption": Param("String"),
        "parse_mode": Param("String"),
        "caption_entities": Param("Array of MessageEntity"),
        "show_caption_above_media": Param("Boolean"),
        "reply_markup": Param("InlineKeyboardMarkup"),
    },
    "answerCallbackQuery": {
        "callback_query_id": Param("String", required=True),
        "text": Param("String"),
        "show_alert": Param("Boolean"),
        "url": Param("String"),
        "cache_time": Param("Integer"),
    },
    "sendDocument": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String", required=True),
        "message_thread_id": Param("Integer"),
        "direct_messages_topic_id": Param("Integer"),
        "document": Param("InputFile or String", required=True),
        "thumbnail": Param("InputFile or String"),
        "caption": Param("String"),
        "parse_mode": Param("String"),
        "caption_entities": Param("Array of MessageEntity"),
        "disable_content_type_detection": Param("Boolean"),
        "disable_notification": Param("Boolean"),
        "protect_content": Param("Boolean"),
        "allow_paid_broadcast": Param("Boolean"),
        "message_effect_id": Param("String"),
        "suggested_post_parameters": Param("SuggestedPostParameters"),
        "reply_parameters": Param("ReplyParameters"),
        "reply_markup": Param(
            "InlineKeyboardMarkup or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply"
        ),
    },
    "sendPhoto": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String", required=True),
        "message_thread_id": Param("Integer"),
        "direct_messages_topic_id": Param("Integer"),
        "photo": Param("InputFile or String", required=True),
        "caption": Param("String"),
        "parse_mode": Param("String"),
        "caption_entities": Param("Array of MessageEntity"),
        "show_caption_above_media": Param("Boolean"),
        "has_spoiler": Param("Boolean"),
        "disable_notification": Param("Boolean"),
        "protect_content": Param("Boolean"),
        "allow_paid_broadcast": Param("Boolean"),
        "message_effect_id": Param("String"),
        "suggested_post_parameters": Param("SuggestedPostParameters"),
        "reply_parameters": Param("ReplyParameters"),
        "reply_markup": Param(
            "InlineKeyboardMarkup or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply"
        ),
    },
    "deleteMessage": {
        "chat_id": Param("Integer or String", required=True),
        "message_id": Param("Integer", required=True),
    },
    "deleteMessages": {
        "chat_id": Param("Integer or String", required=True),
        "message_ids": Param("Array of Integer", required=True),
    },
    "getChat": {
        "chat_id": Param("Integer or String", required=True),
    },
    "getChatMember": {
        "chat_id": Param("Integer or String", required=True),
        "user_id": Param("Integer", required=True),
    },
    "pinChatMessage": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String", required=True),
        "message_id": Param("Integer", required=True),
        "disable_notification": Param("Boolean"),
    },
    "unpinChatMessage": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String", required=True),
        "message_id": Param("Integer"),
    },
    "sendChatAction": {
        "business_connection_id": Param("String"),
        "chat_id": Param("Integer or String", required=True),
        "message_thread_id": Param("Integer"),
        "action": Param("String", required=True),
    },
    "getFile": {
        "file_id": Param("String", required=True),
    },
    "close": {},
    "logOut": {},
}

# Lower-cased method name -> canonical name (Telegram method names are case-insensitive).
CANONICAL: dict[str, str] = {name.lower(): name for name in METHODS}

# Object types whose values arrive as JSON (JSON-serialized strings in form bodies).
SCALAR_TYPES = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})
