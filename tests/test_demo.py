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
        "people: 4 (3 active, 1 erased)",
        "Mission #1 créée",
        "[file mission-1.ics,",
        "📅 Tomorrow: still coming?",
        "pas de confirmation de Tom",
        "Thank you for mission #1!",
        "Un nombre est attendu",
        "Report corrected (version 2)",
        "field reports (counts only, no voter's details): 2",
        f"Database: {db}",
    ):
        assert expected in text
    with sqlite3.connect(db) as connection:
        names = [row[0] for row in connection.execute("SELECT display_name FROM people")]
    assert sorted(n for n in names if n) == ["Anna", "Camille Le Goff", "Tom"]
