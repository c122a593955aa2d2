"""Bot API methods about the bot itself: getMe, updates, webhook, commands."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request

if TYPE_CHECKING:
    from .core import Sandbox

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")


def scope_key(scope: dict[str, Any] | None) -> str:
    """Canonical form of a BotCommandScope, used as a storage key."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


class AccountMethods:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    def getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.sb.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def close(self, p: dict[str, Any]) -> bool:
        return True

    def logOut(self, p: dict[str, Any]) -> bool:
        return True

    # -- updates -----------------------------------------------------------------------------
    async def getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.sb.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        limit = p.get("limit", 100)
        if not 1 <= limit <= 100:
            limit = 100  # Telegram clamps silently
        timeout = max(p.get("timeout", 0), 0)
        return await self.sb.updates.get(p.get("offset"), limit, timeout, p.get("allowed_updates"))

    def setWebhook(self, p: dict[str, Any]) -> bool:
        url = p["url"]
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self.sb.updates.drop_all()
        if p.get("allowed_updates") is not None:
            allowed = p["allowed_updates"]
            self.sb.updates.allowed = frozenset(allowed) if allowed else None
        self.sb.webhook = {"url": url, "secret_token": secret} if url else {}
        if url and p.get("max_connections") is not None:
            self.sb.webhook["max_connections"] = p["max_connections"]
        self.sb.webhook_changed()
        return True

    def deleteWebhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self.sb.updates.drop_all()
        self.sb.webhook = {}
        self.sb.webhook_changed()
        return True

    def getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.sb.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.sb.updates.pending),
        }
        if "max_connections" in self.sb.webhook:
            info["max_connections"] = self.sb.webhook["max_connections"]
        if self.sb.updates.allowed is not None:
            info["allowed_updates"] = sorted(self.sb.updates.allowed)
        return info

    # -- commands ----------------------------------------------------------------------------
    def _key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope")
        if scope is not None and "chat_id" in scope:
            chat = self.sb.api.resolve_chat(scope["chat_id"])
            if scope["type"] != "chat" and chat.type == "private":
                raise bad_request("can't use this scope in a private chat")
            scope = {**scope, "chat_id": chat.id}
            if "user_id" in scope and scope["user_id"] not in self.sb.users:
                raise bad_request("user not found")
        language = p.get("language_code", "")
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return scope_key(scope), language

    def setMyCommands(self, p: dict[str, Any]) -> bool:
        key = self._key(p)
        commands = [
            {"command": c["command"], "description": c["description"]} for c in p["commands"]
        ]
        if commands:
            self.sb.command_lists[key] = commands
        else:
            self.sb.command_lists.pop(key, None)
        return True

    def deleteMyCommands(self, p: dict[str, Any]) -> bool:
        self.sb.command_lists.pop(self._key(p), None)
        return True

    def getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.sb.command_lists.get(self._key(p), []))
