"""A batch of updates read ahead in one transaction (bot/read_ahead.py): each update still
handled once, with the person and conversation state it would have read itself."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update

from bot.app import Terrain
from bot.read_ahead import read_ahead
from sandbox import Sandbox
from tests.bot.helpers import sign_up


def _message(update_id: int, user_id: int, text: str, group: int | None = None) -> Update:
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
    private = {"id": user_id, "type": "private", "first_name": sender["first_name"]}
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_780_000_000,
                "chat": private if group is None else {"id": group, "type": "group", "title": "G"},
                "from": sender,
                "text": text,
            },
        }
    )


async def test_one_batch_mixing_people_answers_each_update_once(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    tom = sandbox.user("Tom", language_code="fr")
    lea = sandbox.user("Léa", language_code="fr")
    await sign_up(anna)
    await tom.send("/start")
    await tom.press("Coordonner")
    await tom.press("Rejoindre")
    await tom.expect("Quel nom")
    await sandbox.settle()
    polls = len(sandbox.calls("getUpdates"))  # the last one is waiting
    seen = len(anna.transcript)
    # Queued in one go, so one getUpdates hands them out together: Anna (a volunteer), Tom
    # (half-way through signing up: his state comes from the batch's reading) and Léa, whose
    # one update comes twice (the first copy is read ahead, the second dropped).
    await anna.send("/help")
    await tom.send("Tom Martin")
    await lea.send("/help", duplicate=True)
    await tom.expect("code postal")
    await sandbox.settle()
    batches = [len(call.result or []) for call in sandbox.calls("getUpdates")[polls - 1 :]]
    assert 4 in batches, batches
    assert sum("/mydata" in m.text for m in anna.transcript[seen:] if m.from_bot) == 1
    to_lea = [m.text for m in lea.transcript if m.from_bot]
    assert to_lea and len(to_lea) == len(set(to_lea))  # answered, and not twice
    # Tom's conversation goes on from what the batch's handling wrote.
    await tom.send("29200")
    await tom.expect("disponible")


async def test_read_ahead_claims_once_and_reads_only_a_persons_first_update_in_order(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await sandbox.settle()
    stranger = anna.id + 1000
    updates = [
        _message(9_000, anna.id, "/help"),
        _message(9_001, stranger, "/help"),
        _message(9_002, stranger, "/start"),
    ]
    first = await read_ahead(terrain.db, terrain.clock, updates)
    # The stranger's /start runs after his /help, in order: it reads for itself then.
    assert first.covered == {9_000: anna.id, 9_001: stranger}
    assert first.claimed == {9_000, 9_001}
    # With conversations in Redis, whose lock keeps no order, only single updates are read.
    later = [_message(9_010, stranger, "/help"), _message(9_011, stranger, "/start")]
    redis = await read_ahead(terrain.db, terrain.clock, later, conversations=False)
    assert redis.covered == {} and redis.claimed == set()
    # Updates in two chats run side by side: the private one could change her first.
    two_chats = [_message(9_020, anna.id, "/help", group=-500), _message(9_021, anna.id, "/stop")]
    apart = await read_ahead(terrain.db, terrain.clock, two_chats)
    assert apart.covered == {} and apart.claimed == set()
    person = first.person(anna.id)
    assert person is not None and person.display_name == "Anna"
    again = await read_ahead(terrain.db, terrain.clock, updates[:1])
    assert again.covered == {9_000: anna.id} and again.claimed == set()
    # An earlier update of hers still runs: it may change her state, so it is not read now.
    running = await read_ahead(
        terrain.db, terrain.clock, [_message(9_003, anna.id, "/help")], {anna.id}
    )
    assert running.covered == {} and running.claimed == set()
