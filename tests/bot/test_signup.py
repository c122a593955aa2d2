"""Sign-up end to end: the real bot, over HTTP to the sandbox, on a real database."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import Terrain
from models.consent import NOTICE_VERSION
from models.people import ConsentEvent, Person, Team
from sandbox import Sandbox
from tests.bot.helpers import all_rows, person_of, sign_up


async def test_notice_comes_first_with_nothing_ticked(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/start")
    choices = await anna.expect("Rejoindre")
    texts = anna.texts()
    notice = texts[0]
    for part in ("Association Brest en commun", "dpo@example.org", "36 mois", "/forget", "CNIL"):
        assert part in notice
    assert all(row[0].startswith("☐") for row in choices.buttons[:2])
    assert await person_of(terrain, anna.id) is None


async def test_accept_everything(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", last_name="Kerouac", username="anna_k", language_code="fr")
    await sign_up(anna, news=True, name="Anna K", postal_code="29200", phone="+33612345678")
    person = await person_of(terrain, anna.id)
    assert person is not None
    assert (person.display_name, person.postal_code, person.phone) == (
        "Anna K",
        "29200",
        "+33612345678",
    )
    assert person.availability == ["saturdays"]
    assert person.username == "anna_k"
    async with terrain.db() as session:
        events = list(await session.scalars(select(ConsentEvent).order_by(ConsentEvent.purpose)))
    assert [(e.purpose, e.granted) for e in events] == [("news", True), ("volunteering", True)]
    assert {e.notice_version for e in events} == {NOTICE_VERSION}
    assert all(len(e.text_hash) == 64 and e.channel == "telegram" for e in events)


async def test_refusing_news_never_blocks_volunteering(sandbox: Sandbox, terrain: Terrain) -> None:
    bruno = sandbox.user("Bruno", language_code="fr")
    await sign_up(bruno, news=False)
    person = await person_of(terrain, bruno.id)
    assert person is not None and person.is_active
    async with terrain.db() as session:
        news = await session.scalar(
            select(ConsentEvent.granted).where(
                ConsentEvent.person_id == person.id, ConsentEvent.purpose == "news"
            )
        )
    assert news is False


async def test_refusing_leaves_no_row_behind(sandbox: Sandbox, terrain: Terrain) -> None:
    chloe = sandbox.user("Chloé", username="chloe_z", language_code="fr")
    await chloe.send("/start")
    await chloe.press("Actualités")  # ticks something, so conversation state exists
    await chloe.press("Non merci")
    await chloe.expect("Rien vous concernant")
    await sandbox.settle()
    rows = await all_rows(terrain)
    dump = repr(rows)
    assert str(chloe.id) not in dump and "chloe_z" not in dump and "Chloé" not in dump
    assert rows["people"] == [] and rows["consent_events"] == []
    assert rows["conversation_states"] == []


async def test_join_without_the_required_purpose_is_explained(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    dan = sandbox.user("Dan", language_code="fr")
    await dan.send("/start")
    await dan.press("Actualités")
    await dan.press("Rejoindre")
    await sandbox.settle()
    assert "Coordonner mon engagement" in dan.callback_answers[-1].text
    assert await person_of(terrain, dan.id) is None


async def test_english_speaker_gets_english(sandbox: Sandbox, terrain: Terrain) -> None:
    emma = sandbox.user("Emma", language_code="en")
    await emma.send("/start")
    await emma.expect("Privacy notice")
    await emma.press("Coordinate")
    await emma.press("Join")
    await emma.expect("What name")


async def test_team_invite_link(sandbox: Sandbox, terrain: Terrain) -> None:
    from tests.conftest import ADMIN_ID

    boss = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(boss)
    await boss.send("/newteam Brest <centre> & co")
    created = await boss.expect("t.me/")
    assert "Brest <centre> & co" in created.text  # shown escaped, read back as typed
    payload = created.text.split("start=")[1].split()[0]
    tom = sandbox.user("Tom", language_code="fr")
    await sign_up(tom, start=f"/start {payload}")
    person = await person_of(terrain, tom.id)
    async with terrain.db() as session:
        team = await session.get(Team, person.team_id)
    assert team is not None and team.name == "Brest <centre> & co"


async def test_referral_link(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await anna.send("/invite")
    link = (await anna.expect("t.me/")).text.split("start=")[1].split()[0]
    friend = sandbox.user("Gaël", language_code="fr")
    await sign_up(friend, start=f"/start {link}")
    referrer = await person_of(terrain, anna.id)
    referred = await person_of(terrain, friend.id)
    assert referred.referred_by_id == referrer.id


async def test_unknown_or_malformed_links_start_plainly(sandbox: Sandbox, terrain: Terrain):
    for payload in ("t_doesnotexist", "r_nobody", "zzz", "t_" + "a" * 70, "t_<b>"):
        user = sandbox.user("Hugo", language_code="fr")
        await user.send(f"/start {payload}")
        await user.expect("Rejoindre")
        assert "pas (ou plus) valable" in user.texts()[0]
    async with terrain.db() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0


async def test_profile_rejects_bad_input_and_keeps_going(sandbox: Sandbox, terrain: Terrain):
    ines = sandbox.user("Inès", language_code="fr")
    await ines.send("/start")
    await ines.press("Coordonner")
    await ines.press("Rejoindre")
    await ines.expect("Quel nom")
    await ines.send("x" * 5000)
    await ines.expect("trop long")
    await ines.send("<b>&")
    await ines.expect("code postal")
    assert "<b>&" in ines.last.text  # escaped on the way out, shown as typed
    await ines.send("hello")
    await ines.expect("pas un code postal")
    await ines.send("00000")
    await ines.expect("pas un code postal")
    await ines.send("29200")
    await ines.expect("disponible")
    await ines.press("Terminé")
    assert "au moins un" in ines.callback_answers[-1].text
    await ines.press("Dimanches")
    await ines.press("Terminé")
    await ines.expect("numéro")
    other = sandbox.user("Someone", language_code="fr")
    await ines.send_contact(phone="+33600000000", user_id=other.id, first_name="Someone")
    await ines.expect("votre propre numéro")
    await ines.send("0612345678")
    await ines.expect("boutons")
    await ines.send_contact(phone="+33698765432")
    await ines.expect("Bienvenue")
    person = await person_of(terrain, ines.id)
    assert person.display_name == "<b>&"
    assert person.phone == "+33698765432"
    assert person.availability == ["sundays"]
