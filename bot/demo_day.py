"""The demo's campaign day: teams and volunteers sign up, missions are created in real Brest
polling stations and handed to teams, volunteers accept and report from the street, then the
organizer reads the day's dashboard, exports it, and the organizer group gets its digest."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Terrain
from bot.jobs import send_reminders
from models.clock import ManualClock
from models.zone_import import import_zone_file
from sandbox import Group, Message, Sandbox, User

# The Ministry's results per polling station for Brest's constituencies (open data), when the
# shared data folder sits beside the project; otherwise the few bureaux the day works in.
RESULTS_FILE = Path("../shared/data/finistere-29-legislatives-2024/circos23-tour1.csv")
FALLBACK_ZONES = """code,name,kind,parent
29019,Brest,commune,
29019_0012,Brest – bureau 12,polling_station,29019
29019_0023,Brest – bureau 23,polling_station,29019
29019_0041,Brest – bureau 41,polling_station,29019
29019_0076,Brest – bureau 76,polling_station,29019
"""
# The organizer's targets for the bureaux the day covers (doors, leaflets).
TARGETS = {"29019_0012": (300, 600), "29019_0023": (250, 500), "29019_0041": (200, 800)}


@dataclass(frozen=True)
class Volunteer:
    first_name: str
    username: str
    postal_code: str
    english: bool = False


TEAMS: dict[str, tuple[Volunteer, ...]] = {
    "Saint-Martin": (
        Volunteer("Nolwenn", "nolwenn_demo", "29200"),
        Volunteer("Karim", "karim_demo", "29200"),
        Volunteer("Sarah", "sarah_demo", "29200", english=True),
        Volunteer("Gaël", "gael_demo", "29200"),
    ),
    "Bellevue": (
        Volunteer("Maëlle", "maelle_demo", "29200"),
        Volunteer("Lucas", "lucas_demo", "29200"),
        Volunteer("Inès", "ines_demo", "29200"),
    ),
}
# The day's missions: kind word, bureau, start, end, meeting point, places, team.
# "people" is the organizer's first team, from the earlier part of the demo (Anna and Tom).
MISSIONS = (
    ("porte_a_porte", "29019_0012", "10:00", "12:30", "Place Guérin", 6, "team Saint-Martin"),
    ("tractage", "29019_0041", "10:30", "12:00", "Marché Saint-Martin", 4, "@anna_k @tom_b"),
    ("porte_a_porte", "29019_0023", "14:00", "17:00", "Arrêt Pilier Rouge", 6, "team Bellevue"),
)
# What each volunteer reports, in order of the door-knocking questions:
# knocked, opened, conversations, supportive, undecided, opposed, not interested, follow-ups.
DOORS = (
    (52, 19, 11, 5, 3, 1, 2, 2),
    (40, 12, 8, 3, 3, 1, 1, 1),
    (61, 25, 14, 7, 4, 2, 1, 3),
    (35, 9, 6, 2, 2, 1, 1, 0),
)
LEAFLETS = (220, 180, 300, 150)
TOPICS = (("Transports", "Logement"), ("Sécurité",), ("Transports", "Écoles"), ("Logement",))


@dataclass
class Day:
    """Who took part, and what the evening produced, for the printout and the checks."""

    leads: dict[str, User] = field(default_factory=dict)
    members: dict[str, list[User]] = field(default_factory=dict)
    day: datetime | None = None
    group: Group | None = None
    dashboard: list[str] = field(default_factory=list)
    digest: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


async def load_zones(terrain: Terrain, folder: Path) -> str:
    """The real results file when it is there, then the organizer's targets; says which."""
    real = await asyncio.to_thread(RESULTS_FILE.exists)
    source = RESULTS_FILE if real else folder / "zones-brest.csv"
    if source != RESULTS_FILE:
        source.write_text(FALLBACK_ZONES, encoding="utf-8")
    summary = await import_zone_file(terrain.db, source)
    targets = folder / "targets.csv"
    lines = ["code,name,kind,target_doors,target_leaflets"]
    for code, (doors, leaflets) in TARGETS.items():
        number = int(code.split("_")[1])
        lines.append(f"{code},Brest – bureau {number},polling_station,{doors},{leaflets}")
    targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_zone_file(terrain.db, targets)
    origin = "the Ministry's results file" if source == RESULTS_FILE else "a built-in list"
    zones = sum((summary.created + summary.updated + summary.unchanged).values())
    return f"{zones} zones from {origin}, targets for {len(TARGETS)} bureaux"


async def sign_up_team(
    sb: Sandbox, organizer: User, team: str, people: tuple[Volunteer, ...]
) -> list[User]:
    """The organizer creates the team; its volunteers join through the invite link."""
    await organizer.send(f"/newteam {team}")
    invite = await organizer.expect("t.me/")
    token = invite.text.split("start=")[1].split()[0]
    users = []
    for who in people:
        locale = "en" if who.english else "fr"
        user = sb.user(who.first_name, username=who.username, language_code=locale)
        await user.send(f"/start {token}")
        await user.press("Coordinate" if who.english else "Coordonner")
        await user.press("Join" if who.english else "Rejoindre")
        await user.send(who.first_name)
        await user.send(who.postal_code)
        await user.press("Saturdays" if who.english else "Samedis")
        await user.press("Done" if who.english else "Terminé")
        await user.send("Skip" if who.english else "Passer")
        await user.expect("Welcome" if who.english else "Bienvenue")
        users.append(user)
    await organizer.send(f"/promote @{people[0].username} responsable {team}")
    await organizer.expect(people[0].first_name)
    return users


async def report_doors(
    user: User, english: bool, counts: tuple[int, ...], topics: tuple[str, ...], lead: bool
) -> None:
    """A door-knocking report typed with thumbs: numbers, then topics, skip the rest, send.
    A team lead is first asked who was with them: each member reports for themselves here."""
    await user.press("Report now" if english else "Faire le compte rendu")
    if lead:
        await user.press("I was alone" if english else "J'étais seul·e")
    for value in counts:
        await user.expect("?")
        await user.send(str(value))
    for topic in topics:
        await user.press(topic)
    await user.press("Done" if english else "Terminé")
    for _ in range(3):  # note, photo, location
        await user.press("Skip" if english else "Passer")
    await user.press("Send" if english else "Envoyer")
    await user.expect("Report recorded" if english else "enregistré")


async def report_leaflets(user: User, english: bool, leaflets: int) -> None:
    await user.press("Report now" if english else "Faire le compte rendu")
    await user.send(str(leaflets))
    await user.press("Market" if english else "Marché")
    await user.press("4")
    await user.press("Done" if english else "Terminé")
    for _ in range(3):
        await user.press("Skip" if english else "Passer")
    await user.press("Send" if english else "Envoyer")
    await user.expect("Report recorded" if english else "enregistré")


async def play_day(
    sb: Sandbox, terrain: Terrain, clock: ManualClock, organizer: User, helpers: list[User]
) -> Day:
    """From the morning's sign-ups to the evening's reports; returns who took part."""
    day = Day()
    for team, people in TEAMS.items():
        users = await sign_up_team(sb, organizer, team, people)
        day.leads[team], day.members[team] = users[0], users
    paris = ZoneInfo(terrain.settings.timezone)
    morning = (clock.now().astimezone(paris) + timedelta(days=1)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    clock._now = morning
    day.day = morning
    date = morning.strftime("%d/%m/%Y")
    for kind, zone, start, end, place, places, who in MISSIONS:
        await organizer.send(
            f"/newmission {kind} | {zone} | {date} {start} | {end} | {place} | {places}"
        )
        created = await organizer.expect("créée")
        number = created.text.split("#")[1].split()[0]
        await organizer.send(f"/assign {number} {who}")
        await organizer.expect("invitation")
    await terrain.outbox.drain()
    for team, users in day.members.items():
        for user, who in zip(users, TEAMS[team], strict=True):
            await user.press("Accept" if who.english else "J'accepte")
    anna, tom = helpers
    await anna.press("J'accepte")
    await tom.press("Accept")
    # The evening: every mission is over, the debrief nudges go out, everyone reports.
    clock._now = morning.replace(hour=19)
    await send_reminders(terrain.db, clock, terrain.reminder_timing, terrain.compose)
    await terrain.outbox.drain()
    await sb.settle()
    for team, users in day.members.items():
        for n, (user, who) in enumerate(zip(users, TEAMS[team], strict=True)):
            topics = TOPICS[n] if not who.english else ()
            await report_doors(user, who.english, DOORS[n], topics, lead=n == 0)
            clock.advance(timedelta(minutes=7))
    await report_leaflets(anna, False, LEAFLETS[0])
    await report_leaflets(tom, True, LEAFLETS[1])
    await sb.settle()
    return day


async def play_evening(
    sb: Sandbox, terrain: Terrain, clock: ManualClock, organizer: User, day: Day, out: Path
) -> None:
    """The organizer links the campaign's group, reads the day's dashboard, exports it; at
    digest time the group gets the day's digest. Charts and files are written to `out`."""
    group = sb.group("QG Brest en commun", kind="supergroup").add(organizer, status="administrator")
    day.group = group
    await organizer.send("/link", chat=group)
    await organizer.expect("relié", chat=group)
    await organizer.send("/report today")
    await organizer.expect("Tableau de bord")
    await sb.settle()
    since = len(organizer.transcript)
    await organizer.send("/export today")
    await organizer.expect("Export")
    await sb.settle()
    report = _after_last_command(organizer, "/report today")
    day.dashboard = [m.text for m in report if not m.photo and not m.document]
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    for n, message in enumerate(m for m in report if m.photo):
        day.files.append(_write(out / f"chart-{n + 1}.png", message.photo or b""))
    for message in organizer.transcript[since:]:
        if message.from_bot and message.document:
            day.files.append(_write(out / message.document.file_name, message.document.data))
    # 21:00, the digest's time: the tick queues it, the sender posts it in the group.
    clock._now = day.day.replace(hour=21, minute=0) if day.day else clock.now()
    await terrain.dashboards.queue_digests()
    await terrain.dashboards.refresh_live()
    await terrain.outbox.drain()
    await sb.settle()
    day.digest = [m.text for m in sb.transcript(group) if m.from_bot][-1:]


def _after_last_command(user: User, command: str) -> list[Message]:
    messages = user.transcript
    start = max(i for i, m in enumerate(messages) if not m.from_bot and m.text == command)
    following = messages[start + 1 :]
    end = next((i for i, m in enumerate(following) if not m.from_bot), len(following))
    return [m for m in following[:end] if m.from_bot]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
