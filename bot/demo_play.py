"""What the demo's people do: sign up (one refuses, one is forgotten), then a mission is
created, assigned, accepted, and the reminders go out as the clock moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Terrain
from bot.jobs import send_reminders
from models.clock import ManualClock
from models.zone_import import import_zone_file
from sandbox import Sandbox, User

ORGANIZER_ID = 1001
ZONES_CSV = """code,name,kind,parent
29019,Brest,commune,
29019_0076,Brest – bureau 76 (Saint-Martin),polling_station,29019
"""


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


async def play_sign_ups(sb: Sandbox) -> list[tuple[str, User]]:
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
        ("Camille, organizer: signs up, creates a team and a mission, assigns it", organizer),
        ("Anna: both purposes, shares her number, accepts a mission, confirms, reports", anna),
        (
            "Tom: team invite, in English, mistypes a postal code, never confirms, fixes a report",
            tom,
        ),
        ("Léa: reads the notice and refuses", lea),
        ("Yann: signs up, then asks to be forgotten", yann),
    ]


async def play_missions(
    sb: Sandbox, terrain: Terrain, clock: ManualClock, folder: Path, people: list[User]
) -> None:
    """Camille puts Anna and Tom on a leafleting mission three days from now; days pass."""
    zones = folder / "zones.csv"
    zones.write_text(ZONES_CSV, encoding="utf-8")
    await import_zone_file(terrain.db, zones)
    camille, anna, tom = people
    paris = ZoneInfo(terrain.settings.timezone)
    day = (clock.now().astimezone(paris) + timedelta(days=3)).strftime("%d/%m/%Y")
    await camille.send(
        f"/newmission tractage | 29019_0076 | {day} 10:00 | 12:00 | Place de la Liberté | 2"
        " | 300 tracts | Parler du projet de tramway"
    )
    await camille.expect("créée")
    await camille.send("/assign 1 @anna_k @tom_b")
    await camille.expect("invitation")
    await terrain.outbox.drain()
    await anna.press("J'accepte")
    await tom.press("Accept")
    start = datetime.strptime(f"{day} 10:00", "%d/%m/%Y %H:%M").replace(tzinfo=paris)
    for moment in (start - timedelta(hours=24), start - timedelta(hours=2)):
        clock._now = moment
        await send_reminders(terrain.db, clock, terrain.reminder_timing, terrain.compose)
        await terrain.outbox.drain()
        if moment == start - timedelta(hours=24):
            await anna.press("Je viens")
            await anna.expect("à bientôt")
    clock._now = start + timedelta(hours=3)  # an hour after the end
    await send_reminders(terrain.db, clock, terrain.reminder_timing, terrain.compose)
    await terrain.outbox.drain()
    await sb.settle()


async def play_reports(
    sb: Sandbox, terrain: Terrain, clock: ManualClock, people: list[User]
) -> None:
    """After the nudge, Anna and Tom report on the leafleting: cold fingers, a few typos, each
    one caught and fixed; Tom corrects his report after sending it."""
    _, anna, tom = people
    await anna.press("Faire le compte rendu")
    await anna.expect("tracts distribués")
    await anna.send("18O")  # a letter O for a zero
    await anna.expect("Un nombre est attendu")
    await anna.send("180")
    await anna.expect("Où surtout")
    await anna.press("Marché")
    await anna.press("4")
    await anna.press("Transports")
    await anna.press("Logement")
    await anna.press("Terminé")
    await anna.send("Rappeler la dame du 3e au 06 12 34 56 78")
    await anna.expect("numéro de téléphone")
    await anna.send("Beaucoup de questions sur le tracé du tram")
    await anna.expect("Une photo")
    await anna.press("Passer")  # no photo
    await anna.press("Passer")  # no location
    await anna.press("Envoyer")
    await anna.expect("enregistré")

    clock.advance(timedelta(hours=2))  # Tom reports later, on his way home
    await tom.press("Report now")
    await tom.expect("How many leaflets")
    await tom.send("1200")  # one zero too many
    await tom.expect("Is that right?")
    await tom.press("No, let me fix it")
    await tom.send("120")
    await tom.expect("Mostly where")
    await tom.press("Station, stops")
    await tom.send("2")
    await tom.expect("Which topics")
    await tom.press("Transport")
    await tom.press("Done")
    for _ in range(3):
        await tom.press("Skip")
    await tom.press("Send")
    await tom.expect("Report recorded")
    # The reception was better than his tired thumb said: fixed, as a second version.
    await tom.press("Fix it (24 h)")
    await tom.press("✏️ Fix")
    await tom.press("Reception (1-5)")
    await tom.press("3")
    await tom.press("Send")
    await tom.expect("version 2")
    await sb.settle()
