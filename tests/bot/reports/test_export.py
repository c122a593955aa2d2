"""/export end to end through the sandbox: the files an organizer and a team lead receive,
opened with openpyxl and the csv module, checked against what the database holds; contact
details only for the organizer and only for people who shared their number; erased people
anonymous; refusals, bad arguments and the audit trail."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import Terrain
from models import rights, volunteers
from models.people import AuditEvent, Role
from reports.exports import ExportScope, build_export
from sandbox import Sandbox
from sandbox.users import User
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission, organizer
from tests.bot.reports.test_mystats import file_report

ANNA_PHONE = "+33612345678"
CARL_PHONE = "+33698765432"
FORMULA = '=HYPERLINK("http://x")'


async def documents(user: User, count: int = 2) -> list[Any]:
    """The next `count` documents the bot sends `user`."""
    before = sum(1 for m in user.replies() if m.document)

    def arrived() -> list[Any] | None:
        found = [m for m in user.replies() if m.document]
        return found[before : before + count] if len(found) >= before + count else None

    return await user.wait_for(arrived)


def sheets(data: bytes) -> dict[str, list[dict[str, Any]]]:
    workbook = load_workbook(io.BytesIO(data))
    tables = {}
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        tables[sheet.title] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["A"].width >= 8
        # User text is stored as text: never a formula, whatever it starts with.
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    return tables


def csvs(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "assignments.csv",
            "missions.csv",
            "reports.csv",
            "zones.csv",
        ]
        tables = {}
        for name in archive.namelist():
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for accents
            tables[name] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        return tables


async def campaign(app: Terrain, sandbox: Sandbox) -> dict[str, Any]:
    """A lead and a volunteer of team Brest, a volunteer without team, and one erased."""
    lead_user = sandbox.user("Léa", username="lea_lead", language_code="en")
    anna_user = sandbox.user("Anna", username="anna_b", language_code="fr")
    bob_user = sandbox.user("Bob", username="bob_c", language_code="fr")
    carl_user = sandbox.user("Carl", username="carl_d", language_code="fr")
    lead = await person(app, lead_user, role=Role.TEAM_LEAD, team="Brest")
    anna = await person(app, anna_user, team="Brest")
    bob = await person(app, bob_user)
    carl = await person(app, carl_user, team="Brest")
    await volunteers.update_profile(app.db, anna.id, phone=ANNA_PHONE)
    await volunteers.update_profile(app.db, carl.id, phone=CARL_PHONE)
    street = await mission(app, "door_knocking", (anna, bob, carl))
    group = await mission(app, "door_knocking", (lead, anna), ended_ago=timedelta(hours=5))
    await file_report(app, street.id, anna, doors_knocked=50, doors_opened=12, supportive=4)
    await file_report(app, street.id, bob, doors_knocked=30, doors_opened=5, supportive=1)
    await file_report(app, street.id, carl, doors_knocked=7, doors_opened=2)
    await file_report(app, group.id, lead, (anna,), doors_knocked=100, doors_opened=40)
    await _note(app, bob.id, FORMULA)
    await rights.forget(app.db, carl.id, app.clock.now())
    return {
        "lead": (lead_user, lead),
        "anna": (anna_user, anna),
        "bob": (bob_user, bob),
        "carl": (carl_user, carl),
        "missions": (street, group),
    }


async def _note(app: Terrain, author_id: int, note: str) -> None:
    from models.reports import FieldReport

    async with app.db.begin() as session:
        report = await session.scalar(select(FieldReport).where(FieldReport.author_id == author_id))
        assert report is not None
        report.note = note


async def test_organizer_exports_everything_with_consented_contacts_only(
    sandbox: Sandbox, app: Terrain
) -> None:
    people = await campaign(app, sandbox)
    boss_user, boss = await organizer(app, sandbox)
    anna, bob, carl = people["anna"][1], people["bob"][1], people["carl"][1]
    street, group = people["missions"]

    await boss_user.send("/export")
    xlsx, archive = await documents(boss_user)
    assert xlsx.document.file_name.endswith(".xlsx") and archive.document.file_name.endswith(".zip")
    assert "2 missions" in xlsx.text and "4 comptes rendus" in xlsx.text
    book, tables = sheets(xlsx.document.data), csvs(archive.document.data)

    assert [row["mission"] for row in book["Missions"]] == [group.id, street.id]
    street_row = next(row for row in book["Missions"] if row["mission"] == street.id)
    assert street_row["places_taken"] == 3 and street_row["reports"] == 3
    # Dates are real dates, in Paris time (the fixture clock runs in March: UTC+1).
    assert isinstance(street_row["starts_at"], datetime)
    assert street_row["starts_at"] == (street.starts_at + timedelta(hours=1)).replace(tzinfo=None)

    by_person = {row["person"]: row for row in book["Assignments"]}
    assert set(by_person) == {people["lead"][1].id, anna.id, bob.id, carl.id}
    assert by_person[anna.id]["phone"] == ANNA_PHONE
    assert by_person[anna.id]["username"] == "anna_b" and by_person[anna.id]["name"] == "Anna"
    for other in (bob.id, carl.id, people["lead"][1].id):  # no number shared, or erased
        assert (by_person[other]["name"], by_person[other]["phone"]) == (None, None)
    dump = repr(book) + repr(tables)
    assert CARL_PHONE not in dump and "Carl" not in dump and "carl_d" not in dump
    assert "bob_c" not in dump and "Bob" not in dump

    reports = book["Reports"]
    assert sum(row["doors_knocked"] for row in reports) == 187
    assert next(row for row in reports if row["author"] == bob.id)["note"] == FORMULA
    assert not any("photo" in header for header in reports[0])
    zones = book["Zones"]
    assert len(zones) == 1
    assert (zones[0]["missions"], zones[0]["reports"], zones[0]["doors_knocked"]) == (2, 4, 187)
    assert zones[0]["people"] == 5  # the group report covers two

    # The CSV files hold the same rows; user text cannot become a formula.
    assert len(tables["missions.csv"]) == 2 and len(tables["assignments.csv"]) == 5
    assert sum(int(row["doors_knocked"]) for row in tables["reports.csv"]) == 187
    bob_csv = next(row for row in tables["reports.csv"] if row["author"] == str(bob.id))
    assert bob_csv["note"] == "'" + FORMULA
    anna_csv = [row for row in tables["assignments.csv"] if row["person"] == str(anna.id)]
    assert {(row["phone"], row["username"]) for row in anna_csv} == {(ANNA_PHONE, "anna_b")}

    async with app.db() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event is not None and event.actor_id == boss.id
    assert event.detail["scope"] == "campaign" and event.detail["contacts"] is True
    assert event.detail["rows"] == {"Missions": 2, "Assignments": 5, "Reports": 4, "Zones": 1}
    logged = json.dumps(event.detail)
    assert "Anna" not in logged and ANNA_PHONE not in logged and "anna_b" not in logged


async def test_team_lead_exports_their_team_without_contacts(
    sandbox: Sandbox, app: Terrain
) -> None:
    people = await campaign(app, sandbox)
    lead_user, lead = people["lead"]
    anna = people["anna"][1]

    await lead_user.send("/export campaign")
    xlsx, archive = await documents(lead_user)
    assert "Export of the whole campaign" in xlsx.text
    book, tables = sheets(xlsx.document.data), csvs(archive.document.data)
    assert {row["person"] for row in book["Assignments"]} == {lead.id, anna.id}
    assert "phone" not in book["Assignments"][0] and "name" not in book["Assignments"][0]
    assert {row["author"] for row in book["Reports"]} == {lead.id, anna.id}
    assert "note" not in book["Reports"][0]
    assert sum(row["doors_knocked"] for row in book["Reports"]) == 150  # not Bob's 30
    assert book["Zones"][0]["doors_knocked"] == 150
    assert ANNA_PHONE not in repr(book) + repr(tables) and "anna_b" not in repr(tables)

    async with app.db() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event is not None and event.actor_id == lead.id
    assert event.detail["scope"] == "team" and event.detail["contacts"] is False
    assert event.detail["team_id"] == lead.team_id


async def test_periods_narrow_the_export_and_bad_arguments_are_answered(
    sandbox: Sandbox, app: Terrain
) -> None:
    people = await campaign(app, sandbox)
    street, group = people["missions"]
    boss_user, _ = await organizer(app, sandbox)
    # Today, by dates: both missions (the fixture clock: Monday 2 March 2026).
    await boss_user.send("/export 01/03-02/03")
    xlsx, archive = await documents(boss_user)
    assert xlsx.text.startswith("Export (du 1 mars 2026 au 2 mars 2026) : 2 missions")
    assert len(sheets(xlsx.document.data)["Reports"]) == 4
    assert len(csvs(archive.document.data)["reports.csv"]) == 4

    app.clock.advance(timedelta(days=7))
    await boss_user.send("/export semaine")
    xlsx, _ = await documents(boss_user)
    assert "Export de la semaine : 0 missions" in xlsx.text
    assert all(rows == [] for rows in sheets(xlsx.document.data).values())

    for wrong, answer in (
        ("/export demain", "Je n'ai pas compris « demain »"),
        ("/export <b>x</b>", "Je n'ai pas compris « <b>x</b> »"),
        ("/export 31/02", "n'est pas une date valide"),
        ("/export 15/03/2026-01/03/2026", "commence après sa fin"),
        ("/export " + "x" * 3000, "Période non comprise"),
    ):
        await boss_user.send(wrong)
        reply = await boss_user.expect(answer)
        assert "Exemples : /export" in reply.text or "Période non comprise" in reply.text
    assert not any(m.document for m in boss_user.replies()[-5:])
    assert street.id != group.id


async def test_volunteers_are_refused_and_the_refusal_audited(
    sandbox: Sandbox, app: Terrain
) -> None:
    people = await campaign(app, sandbox)
    bob_user, bob = people["bob"]
    await bob_user.send("/export")
    await bob_user.expect("réservé aux responsables")
    assert not any(m.document for m in bob_user.replies())
    async with app.db() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "command.refused")
        )
        exported = await session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event is not None and event.actor_id == bob.id and event.detail["command"] == "export"
    assert exported is None

    stranger = sandbox.user("Zoé", language_code="fr")
    await stranger.send("/export")
    await stranger.expect("réservé aux responsables")


async def test_files_past_the_upload_limit_are_flagged(
    sandbox: Sandbox, app: Terrain, tmp_path: Path
) -> None:
    await campaign(app, sandbox)
    scope = ExportScope(organizer=True)
    files = await build_export(app.db, scope, None, "Europe/Paris", tmp_path)
    assert not files.too_big and files.limit == 50 * 1000 * 1000
    tight = await build_export(app.db, scope, None, "Europe/Paris", tmp_path, "b", limit=2000)
    assert tight.too_big and tight.rows == files.rows


async def test_a_lead_without_team_is_told(sandbox: Sandbox, app: Terrain) -> None:
    user = sandbox.user("Lou", language_code="en")
    await person(app, user, role=Role.TEAM_LEAD)
    await user.send("/export")
    await user.expect("no team yet")
