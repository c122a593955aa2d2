"""`terrain demo` plays its volunteers through the real bot and tells what it saw."""

import io
import sqlite3
from pathlib import Path

from bot.demo import run_demo


async def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = io.StringIO()
    db = tmp_path / "demo.db"
    assert await run_demo(str(db), out) == 0
    text = out.getvalue()
    for expected in (
        "=== Léa: reads the notice and refuses ===",
        "Rien vous concernant n'a été enregistré",
        "vos données personnelles ont été effacées",
        "Welcome aboard!",
        "people: 11 (10 active, 1 erased)",
        "Mission #1 créée",
        "[file mission-1.ics,",
        "📅 Tomorrow: still coming?",
        "pas de confirmation de Tom",
        "Thank you for mission #1!",
        "Un nombre est attendu",
        "Report corrected (version 2)",
        "field reports (counts only, no voter's details): 11",
        # The campaign day: the organizer's dashboard, the group's pinned board and digest.
        "=== The organizer asks /report today ===",
        "Portes frappées : 341",
        "Taux de contact : 35",
        "=== The group « QG Brest en commun » (linked with /link) ===",
        "📌 En direct",
        "Bilan du jour",
        f"Database: {db}",
    ):
        assert expected in text
    with sqlite3.connect(db) as connection:
        names = [row[0] for row in connection.execute("SELECT display_name FROM people")]
    assert {"Anna", "Camille Le Goff", "Tom", "Nolwenn", "Maëlle"} <= set(names)
    assert "Yann" not in names and "Léa" not in names
    # Aggregates only in the organizers' group: no volunteer is named there.
    group = text.split("=== The group", 1)[1].split("=== Charts", 1)[0]
    assert not any(name in group for name in names if name)
    files = sorted(p.name for p in (tmp_path / "campaign-day").iterdir())
    assert [f for f in files if f.endswith(".png")], files
    assert [f for f in files if f.endswith(".xlsx")] and [f for f in files if f.endswith(".zip")]
