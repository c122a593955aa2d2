"""The Sandbox: a fake Telegram Bot API server plus the handles tests use to play users."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Callable
from ssl import SSLContext
from typing import Any, Literal, TypeVar

from aiohttp import web

from .account import AccountMethods, scope_key
from .errors import ApiError, Flaky, FloodControl
from .groups import Group
from .messages import MessageMethods
from .server import Injection, make_app
from .state import Chat, StoredFile, StoredMessage, UpdateQueue
from .users import PendingQuery, User
from .views import CallbackAnswer, Message, RequestRecord
from .webhook import WebhookDelivery

T = TypeVar("T")
DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a fake token
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: injected error",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class Sandbox:
    """A local Telegram Bot API for one bot. See the package docstring for a tour."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "terrain_test_bot",
        bot_first_name: str = "Terrain",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError("token must look like Telegram's: <digits>:<letters, digits, _ or ->")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.host, self.port, self.now = host, port, now
        self.base_url = ""
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.updates = UpdateQueue()
        self.requests: list[RequestRecord] = []
        self.injections: list[Injection] = []
        self.command_lists: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {}
        # Where webhook posts really go (the load balancer's job): see route_webhook().
        self.webhook_target: str | None = None
        self.webhook_ssl: SSLContext | None = None
        self.webhook_delivery: WebhookDelivery | None = None
        self.flaky: Flaky | None = None
        self.flood: FloodControl | None = None
        self.callbacks: dict[str, PendingQuery] = {}
        self.api = MessageMethods(self)
        self.account = AccountMethods(self)
        self.seq = 0  # bumped on every change to a message
        self._ids = {"user": 100_000_000, "group": 0, "file": 0, "query": 0}
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Event()
        self._chat_events: dict[int, asyncio.Event] = {}  # chat id -> its waiters' event
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> str:
        """Serve on host:port (port 0: a free one); return and set ``base_url``."""
        self._runner = web.AppRunner(make_app(self), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes no public accessor
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{self.host}:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        await self._stop_delivery()
        if self._runner is not None:
            self.updates.release()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def handler(self, method: str) -> Callable[[dict[str, Any]], Any]:
        target = self.account if hasattr(self.account, method) else self.api
        return getattr(target, method)  # type: ignore[no-any-return]

    # -- people and chats --------------------------------------------------------------------
    def user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        id: int | None = None,  # noqa: A002 - Telegram's field name
        is_premium: bool = False,
    ) -> User:
        """A Telegram user (with their private chat with the bot); ids are auto-assigned."""
        if id is None:
            self._ids["user"] += 1
            id = self._ids["user"]  # noqa: A001
        if id in self.users:
            raise ValueError(f"user id {id} already exists")
        user = User(self, id, first_name, last_name, username, language_code, is_premium)
        self.users[id] = user
        self.chats[id] = Chat(id=id, type="private", username=username, person=user.api())
        return user

    def group(
        self,
        title: str,
        kind: Literal["group", "supergroup", "channel"] = "supergroup",
        *,
        username: str | None = None,
        id: int | None = None,  # noqa: A002
    ) -> Group:
        """A group, supergroup or channel where the bot is an administrator."""
        if id is None:
            self._ids["group"] += 1
            n = self._ids["group"]
            id = -(4_000_000_000 + n) if kind == "group" else -(1_002_000_000_000 + n)  # noqa: A001
        chat = Chat(id=id, type=kind, title=title, username=username)
        self.chats[id] = chat
        return Group(self, chat)

    def chat(self, chat: int | User | Group) -> Chat:
        chat_id = chat if isinstance(chat, int) else chat.id
        return self.chats[chat_id]

    # -- what tests read ---------------------------------------------------------------------
    def transcript(self, chat: int | User | Group) -> list[Message]:
        """The chat's messages as its members see them now (edits applied, deletions gone)."""
        return [m.view() for m in self.chat(chat).visible()]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The commands set with setMyCommands for exactly this scope and language."""
        return list(self.command_lists.get((scope_key(scope), language_code), []))

    def menu(self, user: User, chat: int | User | Group | None = None) -> list[dict[str, str]]:
        """The command menu ``user`` sees in ``chat`` (default: private), resolved like Telegram."""
        target = self.chat(chat if chat is not None else user)
        scopes: list[dict[str, Any]] = [
            {"type": "chat_member", "chat_id": target.id, "user_id": user.id}
        ]
        if target.type == "private":
            scopes += [{"type": "chat", "chat_id": target.id}, {"type": "all_private_chats"}]
        else:
            admin = target.members.get(user.id) in {"administrator", "creator"}
            if admin:
                scopes.append({"type": "chat_administrators", "chat_id": target.id})
            scopes.append({"type": "chat", "chat_id": target.id})
            if admin:
                scopes.append({"type": "all_chat_administrators"})
            scopes.append({"type": "all_group_chats"})
        scopes.append({"type": "default"})
        for scope in scopes:
            for language in (user.language_code or "", ""):
                found = self.command_lists.get((scope_key(scope), language))
                if found:
                    return list(found)
        return []

    def calls(self, method: str | None = None) -> list[RequestRecord]:
        """Logged requests, optionally of one method."""
        return [r for r in self.requests if method is None or r.method == method]

    def errors(self) -> list[RequestRecord]:
        """Logged requests that failed (requests still in flight are not included)."""
        return [r for r in self.requests if r.error_code is not None]

    # -- driving -------------------------------------------------------------------------------
    def inject_error(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*": any) fail with this error."""
        parameters: dict[str, Any] | None = None
        if error_code == 429:
            retry_after = 3 if retry_after is None else retry_after
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or _DEFAULT_DESCRIPTIONS.get(error_code, "Injected error")
        error = ApiError(error_code, description, parameters)
        self.injections.append(Injection(method, error, count, chat_id))

    def route_webhook(self, target: str | None, ssl: SSLContext | None = None) -> None:
        """Post webhook updates to ``target`` (e.g. http://127.0.0.1:8080/hook) whatever public
        https:// address the bot registered, as a load balancer in front of it would. ``ssl``:
        what an https:// target is verified with (e.g. a local proxy's own CA)."""
        self.webhook_target, self.webhook_ssl = target, ssl
        self.webhook_changed()

    def webhook_changed(self) -> None:
        """Start or stop posting updates after setWebhook / deleteWebhook."""
        wanted = bool(self.webhook.get("url")) and self.webhook_target is not None
        if wanted and self.webhook_delivery is None:
            assert self.webhook_target is not None
            self.webhook_delivery = WebhookDelivery(self, self.webhook_target, self.webhook_ssl)
            self.webhook_delivery.start()
        elif not wanted and self.webhook_delivery is not None:
            asyncio.get_running_loop().create_task(self._stop_delivery())

    async def _stop_delivery(self) -> None:
        delivery, self.webhook_delivery = self.webhook_delivery, None
        if delivery is not None:
            await delivery.stop()

    def flood_limit(self, per_second: float | None) -> None:
        """Enforce Telegram's overall flood limit on send* calls: beyond `per_second` in any
        one-second window, answer 429 (retry after 1 s). None lifts it."""
        self.flood = FloodControl(per_second) if per_second else None

    def chaos(self, rate: float, seed: int = 0) -> None:
        """From now on, answer a share `rate` of the bot's calls (getUpdates included) with a
        429, a 500 or no answer at all, at random (seeded); rate 0 stops it."""
        self.flaky = Flaky(rate, seed) if rate > 0 else None

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of any type (e.g. "message"); return it with its update_id."""
        self.activity(0)
        return self.updates.push(kind, payload)

    def push_raw(self, update: dict[str, Any]) -> None:
        """Queue an update verbatim, e.g. the same update_id again to test duplicates."""
        self.activity(0)
        self.updates.append(update)

    async def post_to_channel(self, channel: Group, text: str) -> Message:
        return await channel.post(text)

    async def settle(self, quiet: float = 0.15, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was confirmed and the bot has been quiet for
        ``quiet`` seconds with no request in flight."""
        deadline = time.monotonic() + timeout
        while True:
            idle = time.monotonic() - self._last_activity
            if not self.updates.pending and self._inflight == 0 and idle >= quiet:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"sandbox did not settle within {timeout}s:"
                    f" {len(self.updates.pending)} update(s) not confirmed (is the bot polling?),"
                    f" {self._inflight} request(s) in flight"
                )
            await asyncio.sleep(min(max(quiet - idle, 0.01), 0.05))

    async def wait_until(
        self,
        predicate: Callable[[], T],
        timeout: float,  # noqa: ASYNC109 - a deadline for the predicate, not for one call
        describe: Callable[[], str],
        chat: int | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy, checked every 50 ms and on every change (with
        ``chat``, on every change in that chat: forty people waiting are not all woken by each
        message to one of them)."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(describe())
            if chat is None:
                event = self._changed
            else:
                event = self._chat_events.setdefault(chat, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass

    # -- internals used by the method implementations ----------------------------------------
    def activity(self, delta: int) -> None:
        self._inflight += delta
        self._last_activity = time.monotonic()

    def changed(self, chat: int | None = None) -> None:
        """Something changed: in ``chat``, or anywhere (None: every chat's waiters too)."""
        self._changed.set()
        self._changed = asyncio.Event()
        if chat is None:
            woken, self._chat_events = self._chat_events, {}
            for event in woken.values():
                event.set()
        elif (event := self._chat_events.pop(chat, None)) is not None:
            event.set()

    def add_message(self, chat: Chat, **fields: Any) -> StoredMessage:
        self.seq += 1
        message = StoredMessage(
            message_id=chat.next_message_id, chat=chat, date=int(self.now()), seq=self.seq, **fields
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.changed(chat.id)
        return message

    def touch(self, message: StoredMessage, edited: bool = True) -> StoredMessage:
        self.seq += 1
        message.seq = self.seq
        if edited:
            message.edit_date = int(self.now())
        self.changed(message.chat.id)
        return message

    def new_file(self, name: str, mime: str, data: bytes, size: tuple[int, int]) -> StoredFile:
        self._ids["file"] += 1
        n = self._ids["file"]
        digest = hashlib.sha256(data).hexdigest()
        kind = "photos" if size != (0, 0) else "documents"
        stored = StoredFile(
            file_id=f"BQACAgIAAx{n:06d}{digest[:24]}",
            file_unique_id=f"AgAD{digest[:12]}",
            file_name=name,
            mime_type=mime,
            data=data,
            file_path=f"{kind}/file_{n}{_extension(name)}",
            width=size[0],
            height=size[1],
        )
        self.files[stored.file_id] = stored
        return stored

    def new_query_id(self) -> str:
        self._ids["query"] += 1
        return str(4_400_000_000_000_000_000 + self._ids["query"])

    def record_answer(
        self, query: PendingQuery, text: str | None, show_alert: bool, url: str | None
    ) -> None:
        answer = CallbackAnswer(query.query_id, query.data, query.message_id, text, show_alert, url)
        query.user.callback_answers.append(answer)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 and len(name) - dot <= 6 else ""
