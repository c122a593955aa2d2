"""/zones end to end: an organizer browses page by page, opens a zone, goes back up, searches
with and without accents; a volunteer is refused (and audited); forged buttons are refused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import Terrain
from models.people import AuditEvent
from models.zone_import import import_zone_file
from models.zones import zone_by_code
from sandbox import Sandbox, User
from tests.bot.helpers import sign_up
from tests.conftest import ADMIN_ID

COMMUNES = ["Bohars", "Bourg-Blanc", "Brélès", "Brest", "Coat-Méal", "Gouesnou", "Guilers",
            "Ile-Molène", "Kernilis", "Landunvez", "Plouzané", "Saint-Jean & <Nord>"]  # fmt: skip


async def load_zones(app: Terrain, tmp_path: Path) -> None:
    """12 communes (two pages), Brest with 10 bureaux (two pages), as a Ministry file, then
    targets for Brest from a simple file."""
    lines = ["Code commune;Libellé commune;Code BV;Inscrits"]
    for number, name in enumerate(COMMUNES):
        code = "29019" if name == "Brest" else f"29{100 + number:03d}"
        for bureau in range(1, 11 if name == "Brest" else 2):
            lines.append(f"{code};{name};{bureau};{1002 + bureau}")
    ministry = tmp_path / "bureaux.csv"
    ministry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_zone_file(app.db, ministry)
    simple = tmp_path / "targets.csv"
    simple.write_text("code,name,kind,target_doors,target_leaflets\n29019,Brest,commune,500,\n")
    await import_zone_file(app.db, simple)


def button_texts(user: User) -> list[str]:
    assert user.last is not None
    return [text for row in user.last.buttons for text in row]


async def organizer(sandbox: Sandbox) -> User:
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(admin)
    return admin


async def test_organizer_browses_pages_and_opens_a_zone(
    sandbox: Sandbox, terrain: Terrain, tmp_path: Path
) -> None:
    await load_zones(terrain, tmp_path)
    admin = await organizer(sandbox)

    await admin.send("/zones")
    await admin.expect("12 au premier niveau, page 1/2")
    first = button_texts(admin)
    assert first[:4] == ["Bohars · 29100", "Bourg-Blanc · 29101", "Brélès · 29102", "Brest · 29019"]
    assert len(first) == 9 and first[-1] == "Suivantes ▶"
    await admin.press("Suivantes ▶")
    await admin.expect("page 2/2")
    assert button_texts(admin) == ["Kernilis · 29108", "Landunvez · 29109", "Plouzané · 29110",
                                   "Saint-Jean & <Nord> · 29111", "◀ Précédentes"]  # fmt: skip
    await admin.press("Saint-Jean")
    await admin.expect("Saint-Jean & <Nord>")
    await admin.press("Remonter")
    await admin.expect("page 1/2")

    await admin.press("Brest · 29019")
    brest = await admin.expect("Code : 29019")
    assert "Type : commune" in brest.text and "Objectifs : 500 portes, — tracts" in brest.text
    assert "10 sous-zones, page 1/2" in brest.text
    assert button_texts(admin)[:2] == ["Brest – bureau 1 · 29019_0001",
                                       "Brest – bureau 2 · 29019_0002"]  # fmt: skip
    await admin.press("Suivantes ▶")
    await admin.expect("10 sous-zones, page 2/2")
    await admin.press("Brest – bureau 10")
    bureau = await admin.expect("Code : 29019_0010")
    assert "Type : bureau de vote" in bureau.text
    assert "Dans : Brest (29019)" in bureau.text and "Électeurs inscrits : 1012" in bureau.text
    assert "Pas de sous-zone." in bureau.text
    await admin.press("Remonter")
    await admin.expect("10 sous-zones, page 1/2")
    await admin.press("Remonter")
    await admin.expect("12 au premier niveau")


async def test_search_with_and_without_accents(
    sandbox: Sandbox, terrain: Terrain, tmp_path: Path
) -> None:
    await load_zones(terrain, tmp_path)
    admin = await organizer(sandbox)
    for typed in ("Brélès", "breles", "BRELES"):
        await admin.send(f"/zones {typed}")
        await admin.expect(f"Zones pour « {typed} »")
        assert button_texts(admin)[0] == "Brélès · 29102"
    await admin.press("Brélès · 29102")
    await admin.expect("Code : 29102")

    await admin.send("/zones 29019_0007")
    await admin.expect("Zones pour")
    assert button_texts(admin) == ["Brest – bureau 7 · 29019_0007"]

    await admin.send("/zones brest")
    await admin.expect("page 1")
    assert button_texts(admin)[0] == "Brest · 29019" and button_texts(admin)[-1] == "Suivantes ▶"
    await admin.press("Suivantes ▶")
    await admin.expect("page 2")
    assert button_texts(admin)[:3] == ["Brest – bureau 8 · 29019_0008",
                                       "Brest – bureau 9 · 29019_0009",
                                       "Brest – bureau 10 · 29019_0010"]  # fmt: skip

    await admin.send("/zones Brset")
    await admin.expect("Vouliez-vous dire")
    assert button_texts(admin)[0] == "Brest · 29019"
    await admin.send("/zones <zzz>")
    await admin.expect("Aucune zone ne correspond à « <zzz> »")


async def test_english_speaking_lead_browses(
    sandbox: Sandbox, terrain: Terrain, tmp_path: Path
) -> None:
    await load_zones(terrain, tmp_path)
    admin = await organizer(sandbox)
    await admin.send("/newteam Brest")
    await admin.expect("t.me/")
    lead = sandbox.user("Tom", username="tom_b", language_code="fr")
    await sign_up(lead)
    await admin.send("/promote @tom_b responsable Brest")
    await admin.expect("responsable d'équipe")
    await lead.send("/language")
    await lead.press("English")
    await lead.send("/zones Brest 10")
    await lead.expect("Zones for “Brest 10”")
    await lead.press("Brest – bureau 10")
    shown = await lead.expect("Kind: polling station")
    assert "In: Brest (29019)" in shown.text and "Registered voters: 1012" in shown.text


async def test_volunteer_is_refused_politely_and_audited(
    sandbox: Sandbox, terrain: Terrain, tmp_path: Path
) -> None:
    await load_zones(terrain, tmp_path)
    alice = sandbox.user("Alice", language_code="fr")
    await sign_up(alice)
    await alice.send("/zones")
    await alice.expect("réservé aux responsables d'équipe et aux organisateurs")
    await alice.send("/zones Brest")
    await alice.expect("réservé")
    brest = await zone_by_code(terrain.db, "29019")
    assert brest is not None
    await alice.press(callback_data=f"zn:{brest.id}:0")
    assert alice.callback_answers[-1].show_alert
    assert "réservé" in (alice.callback_answers[-1].text or "")
    await sandbox.settle()
    assert all("29019" not in text for text in alice.texts())
    async with terrain.db() as session:
        refusals = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "command.refused"))
        )
    assert [r.detail for r in refusals] == [{"command": "zones"}] * 3


async def test_forged_buttons_get_the_stale_answer(
    sandbox: Sandbox, terrain: Terrain, tmp_path: Path
) -> None:
    await load_zones(terrain, tmp_path)
    admin = await organizer(sandbox)
    await admin.send("/zones")
    listing = await admin.expect("page 1/2")
    brest = await zone_by_code(terrain.db, "29019")
    assert brest is not None
    forged = ["zn:999999:0", "zn:abc:0", f"zn:{brest.id}:7", "zn:0:5", "zn:0:-1",
              "zn:99999999999999999999:0", "zf:0:a:b", "zf:3:brest", "zf:-1:brest"]  # fmt: skip
    for data in forged:
        await admin.press(callback_data=data, message_id=listing.message_id)
        answer = admin.callback_answers[-1]
        assert (answer.text, answer.show_alert) == ("Ce bouton n'est plus valable.", True), data
    await sandbox.settle()
    # Nothing was edited by the forged presses: the listing is as it was.
    assert "page 1/2" in admin.transcript[-1].text
