"""The benchmarks still run, at a small size: a broken bench would otherwise be found only
when someone needs its figures. What they print is not checked against any target here
(figures are the benches' business, not the tests')."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench(script: str, *args: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_update_mix_runs_terrain_and_the_echo_bot_each_in_a_process() -> None:
    out = bench("updates_mix.py", "--volunteers", "2", "--rounds", "1")
    # 25 updates from each volunteer (sign-up, /missions, /mystats, a report), one /report.
    assert "round 1: 51 updates from 2 volunteers and an organizer" in out
    assert out.count("ms of its process's CPU per update") == 2
    assert out.count("of the time") == 2  # each bot's share of one core
    assert "ratio, median of 1:" in out


def test_the_dashboard_bench_loads_exactly_the_reports_asked_for() -> None:
    out = bench("dashboard.py", "--people", "2000", "--reports", "10007")
    assert "2,000 people" in out and "10,007 field reports" in out
    assert "weekly digest, one team" in out
