"""docker-compose.yml, checked without a Docker engine: against the Compose Specification's own
schema (as vendored by check-jsonschema), and what it tells Terrain against what Terrain reads.
Running it needs a Docker host (README, "Deploying for a big campaign")."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from bot.settings import Settings
from tests.test_cli import terrain

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


def terrain_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built from this project."""
    return {name: s for name, s in compose["services"].items() if s.get("build") == "."}


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    spec = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(spec.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(compose)
    ]
    assert problems == []


def test_compose_sets_only_settings_terrain_reads(compose: dict[str, Any]) -> None:
    # Settings ignore unknown TERRAIN_ variables, so a misspelt one would be silently lost.
    known = {f"TERRAIN_{name.upper()}" for name in Settings.model_fields}
    services = terrain_services(compose)
    assert {"migrate", "bot1", "bot2"} <= set(services)
    for name, service in services.items():
        unknown = set(service.get("environment", {})) - known
        assert not unknown, f"{name} sets {unknown}, which Terrain does not read"


def test_the_two_bots_serve_webhooks_on_the_port_the_proxy_reaches(
    compose: dict[str, Any],
) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["terrain", "run", "--webhook"]' in dockerfile
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in compose["services"]["caddy"]["volumes"]
    [proxied] = [
        line.split()[1:-1]
        for line in (ROOT / "Caddyfile").read_text().splitlines()
        if line.strip().startswith("reverse_proxy")
    ]
    for bot in ("bot1", "bot2"):
        environment = compose["services"][bot]["environment"]
        assert f"{bot}:{environment['TERRAIN_WEBHOOK_PORT']}" in proxied
        assert environment["TERRAIN_WEBHOOK_HOST"] == "0.0.0.0"
        assert "TERRAIN_REDIS_URL" in environment  # several processes share their state


def test_the_migrate_service_runs_terrains_own_command(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    program, *args = compose["services"]["migrate"]["command"]
    assert program == "terrain"
    done = terrain(*args, TERRAIN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    assert done.returncode == 0, done.stderr
