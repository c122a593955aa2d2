"""`terrain demo`: the real bot, the same way `terrain run` starts it, against the local
sandbox on a fresh SQLite file; a few simulated volunteers sign up, and we print what each saw."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.app import Terrain
from bot.settings import Settings
from models import ConsentEvent, ConversationState, Person
from models.database import upgrade
from sandbox import Message, Sandbox, User

# Not a secret: the sandbox accepts any well-formed token, and this one exists only there.
DEMO_TOKEN = "123456789:DEMO-sandbox-token-not-a-real-one-xyz"  # noqa: S105
ORGANIZER_ID = 1001


async def run_demo(db_path: str | None, out: TextIO) -> int:
    path = Path(db_path) if db_path else Path(tempfile.mkdtemp(prefix="terrain-demo-")) / "demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)

    sandbox = Sandbox(token=DEMO_TOKEN, bot_username="terrain_demo_bot")
    await sandbox.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=DEMO_TOKEN,
        database_url=url,
        telegram_api_url=sandbox.base_url,
        admin_ids=[ORGANIZER_ID],
        campaign_name="Brest en commun (démo)",
        controller_name="Association Brest en commun",
        controller_contact="dpo@brest-en-commun.example",
    )
    terrain = Terrain(settings)
    task = asyncio.create_task(terrain.run(handle_signals=False))
    try:
        await sandbox.wait_until(
            lambda: sandbox.calls("getUpdates"), 10, lambda: "the bot did not start polling"
        )
        people = await _play(sandbox)
        held = await _what_is_held(terrain)
    finally:
        await terrain.stop()
        await task
        await sandbox.stop()
    for title, user in people:
        out.write(f"\n=== {title} ===\n")
        for message in user.transcript:
            out.write(_render(message) + "\n")
    out.write("\n=== What the database holds ===\n" + held + "\n")
    out.write(f"\nDatabase: {path}\n")
    return 0


async def _what_is_held(terrain: Terrain) -> str:
    async with terrain.db() as session:
        statuses = dict(
            (await session.execute(select(Person.status, func.count()).group_by(Person.status)))
            .tuples()
            .all()
        )
        consents = await session.scalar(select(func.count()).select_from(ConsentEvent))
        pending = await session.scalar(select(func.count()).select_from(ConversationState))
    return (
        f"people: {sum(statuses.values())} "
        f"({', '.join(f'{n} {status}' for status, n in sorted(statuses.items()))}); "
        f"consent events: {consents}; conversations in progress: {pending} "
        "(Léa, who refused, left nothing; Yann's row is anonymous)"
    )


def _render(message: Message) -> str:
    who = "bot" if message.from_bot else "you"
    text = message.text
    if message.contact:
        text = "[shares contact]"
    if message.document:
        text = f"[file {message.document.file_name}, {len(message.document.data)} bytes] {text}"
    lines = [f"{who}{' (edited)' if message.edited else ''}: " + text.replace("\n", "\n     ")]
    for row in message.buttons:
        lines.append("     " + "  ".join(f"[{button}]" for button in row))
    for row in message.reply_keyboard or []:
        lines.append("     " + "  ".join(f"({button})" for button in row))
    return "\n".join(lines)


async def _sign_up(
    user: User,
    name: str,
    slots: tuple[str, ...],
    *,
    start: str = "/start",
    news: bool = False,
    share_phone: bool = False,
) -> None:
    """The French sign-up, as a volunteer taps through it."""
    await user.send(start)
    await user.press("Coordonner")
    if news:
        await user.press("Actualités")
    await user.press("Rejoindre")
    await user.expect("Quel nom")
    await user.send(name)
    await user.expect("code postal")
    await user.send("29200")
    for slot in slots:
        await user.press(slot)
    await user.press("Terminé")
    await user.expect("numéro")
    if share_phone:
        await user.tap("📱 Partager mon numéro")
    else:
        await user.send("Passer")
    await user.expect("Bienvenue")


async def _play(sb: Sandbox) -> list[tuple[str, User]]:
    organizer = sb.user("Camille", last_name="Le Goff", username="camille", id=ORGANIZER_ID)
    await _sign_up(organizer, "Camille Le Goff", ("Samedis",))
    await organizer.send("/newteam Brest centre")
    invite = await organizer.expect("t.me/")
    token = invite.text.split("start=")[1].split()[0]

    anna = sb.user("Anna", last_name="Kerouac", username="anna_k", language_code="fr")
    await _sign_up(anna, "Anna", ("Soirs de semaine", "Samedis"), news=True, share_phone=True)
    await anna.send("/consent")
    await anna.expect("Vos choix")

    tom = sb.user("Tom", username="tom_b", language_code="en")
    await tom.send(f"/start {token}")
    await tom.press("Coordinate")
    await tom.press("Join")
    await tom.expect("What name")
    await tom.send("Tom")
    await tom.expect("postal code")
    await tom.send("hello")  # a word where a postal code belongs
    await tom.expect("not a French postal code")
    await tom.send("29280")
    await tom.press("Sundays")
    await tom.press("Done")
    await tom.expect("share your number")
    await tom.send("Skip")
    await tom.expect("Welcome")

    lea = sb.user("Léa", language_code="fr")
    await lea.send("/start")
    await lea.press("Non merci")
    await lea.expect("Rien vous concernant")

    yann = sb.user("Yann", last_name="Morvan", username="yannm", language_code="fr")
    await _sign_up(yann, "Yann", ("Dimanches",))
    await yann.send("/forget")
    await yann.press("Oui, tout effacer")
    await yann.expect("effacées")
    await sb.settle()
    return [
        ("Camille, organizer: signs up, creates a team", organizer),
        ("Anna: accepts both purposes, shares her number, checks /consent", anna),
        ("Tom: joins through the team invite, in English, mistypes his postal code", tom),
        ("Léa: reads the notice and refuses", lea),
        ("Yann: signs up, then asks to be forgotten", yann),
    ]
