"""The person's rights end to end: /mydata, /consent, /stop, /forget, and retention."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import Terrain
from bot.jobs import enforce_retention
from models.clock import ManualClock
from models.people import AuditEvent, ConsentEvent, Person
from sandbox import Message, Sandbox, User
from tests.bot.helpers import all_rows, person_of, sign_up

NOTHING_HELD = "Je ne détiens aucune donnée vous concernant"


async def consent_history(terrain: Terrain, person_id: int) -> list[tuple[str, bool]]:
    async with terrain.db() as session:
        rows = await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.person_id == person_id)
            .order_by(ConsentEvent.id)
        )
        return [(row.purpose, row.granted) for row in rows]


async def audits(terrain: Terrain, action: str) -> list[AuditEvent]:
    async with terrain.db() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return list(rows)


async def count_people(terrain: Terrain) -> int:
    async with terrain.db() as session:
        return await session.scalar(select(func.count()).select_from(Person)) or 0


def personal_traces(rows: dict[str, list[dict[str, Any]]], *secrets: str) -> list[str]:
    """The secrets found anywhere in the database dump, with the table holding them."""
    return [
        f"{secret!r} in {table}"
        for table, table_rows in rows.items()
        for secret in secrets
        if secret in repr(table_rows)
    ]


async def my_data(user: User) -> tuple[Message, dict[str, Any]]:
    await user.send("/mydata")
    sent = await user.wait_for(lambda: next((m for m in user.replies() if m.document), None))
    assert sent.document is not None
    return sent, json.loads(sent.document.data.decode())


async def test_mydata_is_everything_held_and_nothing_about_others(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", last_name="Kerouac", username="anna_k", language_code="fr")
    bob = sandbox.user("Bob", last_name="Le Goff", username="bob_lg", language_code="fr")
    await sign_up(anna, news=True, name="Anna K", postal_code="29200", phone="+33612345678")
    await sign_up(bob, name="Bobby Le Goff", postal_code="56100", phone="+33698765432")
    bob_row = await person_of(terrain, bob.id)

    sent, data = await my_data(anna)
    assert sent.text == "Tout ce que Terrain détient sur vous, au format JSON."
    assert sent.document is not None and sent.document.file_name.endswith(".json")
    person = data["person"]
    assert person["telegram_id"] == anna.id and person["username"] == "anna_k"
    assert [person["name"], person["postal_code"], person["phone"]] == [
        "Anna K",
        "29200",
        "+33612345678",
    ]
    assert person["availability"] == ["saturdays"] and person["status"] == "active"
    events = [(e["purpose"], e["granted"]) for e in data["consent_events"]]
    assert sorted(events) == [("news", True), ("volunteering", True)]
    assert all(
        e["channel"] == "telegram" and len(e["text_hash"]) == 64 for e in data["consent_events"]
    )
    dump = sent.document.data.decode()
    for other in ("Bob", "bob_lg", str(bob.id), "+33698765432", "56100", bob_row.referral_code):
        assert other not in dump


async def test_a_stranger_has_no_data_and_leaves_none(sandbox: Sandbox, terrain: Terrain) -> None:
    zoe = sandbox.user("Zoé", username="zoe_x", language_code="fr")
    for command in ("/mydata", "/consent", "/stop", "/forget"):
        await zoe.send(command)
        reply = await zoe.expect(NOTHING_HELD)
        assert reply.document is None and not reply.buttons
    await sandbox.settle()
    rows = await all_rows(terrain)
    assert rows["people"] == [] and rows["consent_events"] == []
    assert rows["conversation_states"] == [] and rows["audit_events"] == []
    assert personal_traces(rows, str(zoe.id), "zoe_x", "Zoé") == []


async def test_consent_shows_both_purposes_and_appends_each_change(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna, news=False)
    person = await person_of(terrain, anna.id)
    await anna.send("/consent")
    shown = await anna.expect("Vos choix actuels")
    assert "coordination de mon engagement bénévole : oui" in shown.text
    assert "actualités de la campagne : non" in shown.text
    assert shown.all_buttons == [
        "Retirer : coordination de mon engagement bénévole",
        "Accepter : actualités de la campagne",
        "Accepter : apparaître dans les classements",  # offered here, never at sign-up
    ]

    clock.advance(timedelta(minutes=5))
    await anna.press("Accepter : actualités de la campagne")
    edited = await anna.expect("actualités de la campagne : oui")
    assert edited.message_id == shown.message_id
    assert "Retirer : actualités de la campagne" in edited.all_buttons
    assert anna.callback_answers[-1].text == "Enregistré."
    clock.advance(timedelta(minutes=5))
    await anna.press("Retirer : actualités de la campagne")
    await anna.expect("actualités de la campagne : non")

    # Append-only: the sign-up choices are still there, each change is a new event.
    history = await consent_history(terrain, person.id)
    assert [granted for purpose, granted in history if purpose == "news"] == [False, True, False]
    assert [granted for purpose, granted in history if purpose == "volunteering"] == [True]
    async with terrain.db() as session:
        times = list(
            await session.scalars(
                select(ConsentEvent.at)
                .where(ConsentEvent.purpose == "news")
                .order_by(ConsentEvent.id)
            )
        )
    assert [at - times[0] for at in times] == [timedelta(minutes=m) for m in (0, 5, 10)]


async def test_withdrawing_volunteering_asks_for_erasure(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna, name="Anna K")
    await anna.send("/consent")
    await anna.press("Retirer : coordination de mon engagement bénévole")
    asked = await anna.expect("Sans ce consentement")
    assert asked.all_buttons == ["Oui, tout effacer", "Annuler"]
    await anna.press("Annuler")
    await anna.expect("Annulé : rien n'a été effacé.")
    person = await person_of(terrain, anna.id)
    assert person is not None and person.status == "active"
    assert await consent_history(terrain, person.id) == [("volunteering", True), ("news", False)]

    await anna.send("/consent")
    await anna.press("Retirer : coordination de mon engagement bénévole")
    await anna.expect("Sans ce consentement")
    await anna.press("Oui, tout effacer")
    await anna.expect("vos données personnelles ont été effacées")
    assert await person_of(terrain, anna.id) is None
    assert personal_traces(await all_rows(terrain), "Anna K", "anna_k", str(anna.id)) == []


async def test_stop_pauses_and_start_resumes(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await anna.send("/stop")
    await anna.expect("En pause")
    assert (await person_of(terrain, anna.id)).status == "paused"
    await anna.send("/start")
    await anna.expect("Bon retour : les messages du bot sont réactivés.")
    await sandbox.settle()
    assert not any(m.buttons for m in anna.replies())  # no second sign-up
    assert (await person_of(terrain, anna.id)).status == "active"
    assert len(await audits(terrain, "person.paused")) == 1
    assert len(await audits(terrain, "person.active")) == 1
    assert await count_people(terrain) == 1


async def test_forget_erases_everything_personal(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Annaëlle", last_name="Kerouac", username="anna_k", language_code="fr")
    bob = sandbox.user("Bob", username="bob_lg", language_code="fr")
    await sign_up(anna, news=True, name="Anna Kerouac", postal_code="29200", phone="+33612345678")
    await sign_up(bob, name="Bobby", postal_code="56100")
    before = await person_of(terrain, anna.id)

    await anna.send("/forget")
    asked = await anna.expect("Effacer toutes vos données personnelles ?")
    assert asked.all_buttons == ["Oui, tout effacer", "Annuler"]
    await anna.press("Annuler")
    await anna.expect("Annulé : rien n'a été effacé.")
    kept = await person_of(terrain, anna.id)
    assert (kept.display_name, kept.phone) == ("Anna Kerouac", "+33612345678")
    assert kept.status == "active"

    await anna.send("/forget")
    await anna.press("Oui, tout effacer")
    await anna.expect("C'est fait : vos données personnelles ont été effacées.")
    await sandbox.settle()
    rows = await all_rows(terrain)
    secrets = (
        "Anna Kerouac",
        "Annaëlle",
        "anna_k",
        str(anna.id),
        "+33612345678",
        "29200",
        before.referral_code,
    )
    assert personal_traces(rows, *secrets) == []
    erased = await audits(terrain, "person.erased")
    assert len(erased) == 1
    assert erased[0].detail == {"reason": "request"}
    assert erased[0].actor_id is None and erased[0].subject_id is None
    bob_row = await person_of(terrain, bob.id)  # someone else's data is untouched
    assert (bob_row.display_name, bob_row.postal_code) == ("Bobby", "56100")
    assert bob_row.status == "active"

    await anna.send("/mydata")
    await anna.expect(NOTHING_HELD)
    await sign_up(anna, name="Anna again")
    again = await person_of(terrain, anna.id)
    assert again is not None and again.id != before.id and again.display_name == "Anna again"
    assert await consent_history(terrain, again.id) == [("volunteering", True), ("news", False)]
    assert await count_people(terrain) == 3  # the anonymous row stays, counts still add up


async def test_retention_erases_only_the_long_silent(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    days = terrain.settings.retention_days
    silent = sandbox.user("Solène", username="solene", language_code="fr")
    active = sandbox.user("Paul", username="paul_p", language_code="fr")
    await sign_up(silent, name="Solène", phone="+33611111111")
    await sign_up(active, name="Paul")

    clock.advance(timedelta(days=days - 10))
    await active.send("/help")
    await active.expect("/mydata")
    await sandbox.settle()
    assert await enforce_retention(terrain.db, clock, days) == 0  # not yet due for anyone

    clock.advance(timedelta(days=20))
    assert await enforce_retention(terrain.db, clock, days) == 1
    assert await person_of(terrain, silent.id) is None
    kept = await person_of(terrain, active.id)
    assert kept is not None and (kept.display_name, kept.status) == ("Paul", "active")
    rows = await all_rows(terrain)
    assert personal_traces(rows, "Solène", "solene", str(silent.id), "+33611111111") == []
    assert [e.detail for e in await audits(terrain, "person.erased")] == [{"reason": "retention"}]
    assert await enforce_retention(terrain.db, clock, days) == 0  # nothing erased twice

    await silent.send("/mydata")
    await silent.expect(NOTHING_HELD)
