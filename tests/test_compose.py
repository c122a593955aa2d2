"""docker-compose.yml brought up for real: the image built, PostgreSQL, Redis, the migration,
two `terrain run --webhook` processes and Caddy (TLS, load balancing), with the sandbox playing
Telegram on this machine and posting its webhooks to https://localhost through Caddy.

Needs a Docker engine with compose, ports 80 and 443 free, and a few minutes: it runs only when
TERRAIN_TEST_COMPOSE=1 is set, which CI does not do."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from sandbox import Sandbox, User
from tests.bot.helpers import sign_up
from tests.bot.test_broadcast import got, write
from tests.conftest import ADMIN_ID, TOKEN

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK = "https://localhost/telegram"
SECRET = "compose-check-0123456789"  # noqa: S105 - a test secret
# The bots reach the sandbox on this machine through Docker's gateway to the host.
OVERRIDE = """services:
  bot1: {extra_hosts: ["host.docker.internal:host-gateway"]}
  bot2: {extra_hosts: ["host.docker.internal:host-gateway"]}
"""


def compose_command() -> list[str] | None:
    """`docker compose` (v2), else `docker-compose` (v1), whichever works here."""
    for command in (["docker", "compose"], ["docker-compose"]):
        try:
            found = subprocess.run([*command, "version"], capture_output=True, check=False)
        except FileNotFoundError:
            continue
        if found.returncode == 0:
            return command
    return None


pytestmark = pytest.mark.skipif(
    not os.environ.get("TERRAIN_TEST_COMPOSE"),
    reason="set TERRAIN_TEST_COMPOSE=1 to bring docker-compose.yml up for real "
    "(a Docker engine, ports 80 and 443, a few minutes)",
)


class Deployment:
    """A copy of this working tree with its .env, run as one compose project."""

    def __init__(self, folder: Path, command: list[str]) -> None:
        self.folder, self.command = folder, command
        # One name for every run (ports 80 and 443 allow one at a time): its images are reused.
        self.project = "terrain-check"

    async def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> str:  # noqa: ASYNC109
        process = await asyncio.create_subprocess_exec(
            *self.command, "-p", self.project, *args,
            cwd=self.folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
        text = output.decode(errors="replace")
        if check and process.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} failed ({process.returncode}):\n{text}")
        return text

    async def handled(self, service: str) -> int:
        """How many updates this bot process has handled (aiogram logs each one)."""
        return (await self("logs", "--no-color", service)).count("is handled")

    async def proxy_ca(self) -> ssl.SSLContext:
        """Caddy's own CA for `localhost` (it issues that certificate itself), once it exists."""
        path = "/data/caddy/pki/authorities/local/root.crt"
        for _ in range(60):
            pem = await self("exec", "-T", "caddy", "cat", path, check=False)
            if "BEGIN CERTIFICATE" in pem:
                return ssl.create_default_context(cadata=pem[pem.index("-----BEGIN") :])
            await asyncio.sleep(1)
        raise AssertionError("Caddy made no certificate for localhost")


async def up_to_the_name(user: User) -> None:
    """A sign-up as far as the name question, where the tests below break something."""
    await user.send("/start")
    await user.press("Coordonner")
    await user.press("Rejoindre")
    await user.expect("Quel nom")


async def on_from_availability(user: User) -> None:
    """The rest of it, with room for a post that has to be made again."""
    await user.press("Samedis", timeout=30)
    await user.press("Terminé", timeout=30)
    await user.expect("numéro", timeout=30)
    await user.send("Passer")
    await user.expect("Bienvenue", timeout=30)


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[tuple[Deployment, Sandbox]]:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` works here")
    folder = tmp_path / "terrain"
    shutil.copytree(
        ROOT,
        folder,
        ignore=shutil.ignore_patterns(".git", ".venv", ".env", "__pycache__", ".*_cache"),
    )
    sb = Sandbox(TOKEN, "terrain_compose_bot", host="0.0.0.0")  # noqa: S104 - reached from containers
    await sb.start()
    (folder / ".env").write_text(
        "TERRAIN_DOMAIN=localhost\n"
        f"TERRAIN_BOT_TOKEN={TOKEN}\n"
        f"TERRAIN_WEBHOOK_SECRET={SECRET}\n"
        f"TERRAIN_ADMIN_IDS={ADMIN_ID}\n"
        "TERRAIN_CAMPAIGN_NAME=Compose check\n"
        "TERRAIN_CONTROLLER_NAME=Terrain test\n"
        "TERRAIN_CONTROLLER_CONTACT=privacy@example.org\n"
        f"TERRAIN_TELEGRAM_API_URL=http://host.docker.internal:{sb.port}\n"
    )
    (folder / "docker-compose.override.yml").write_text(OVERRIDE)
    up = Deployment(folder, command)
    try:
        await up("up", "-d", "--build", timeout=1200)
        sb.route_webhook(WEBHOOK, await up.proxy_ca())
        await sb.wait_until(lambda: sb.webhook.get("url") == WEBHOOK, 120, lambda: "no webhook")
        yield up, sb
    finally:
        # Shown by pytest when the test failed.
        print(await up("logs", "--no-color", "--tail", "300", "caddy", "bot1", "bot2", check=False))  # noqa: T201
        await up("down", "-v", "--remove-orphans", timeout=300, check=False)
        await sb.stop()


async def test_the_compose_deployment_serves_shares_the_load_and_survives_a_killed_bot(
    deployment: tuple[Deployment, Sandbox],
) -> None:
    up, sb = deployment
    camille = sb.user("Camille", id=ADMIN_ID, language_code="fr")
    crowd = [sb.user(f"Bénévole{n}", language_code="fr") for n in range(8)]
    await asyncio.gather(
        sign_up(camille), *(sign_up(user, news=n % 2 == 0) for n, user in enumerate(crowd))
    )
    # Caddy spreads the webhooks over both processes.
    assert await up.handled("bot1") > 0
    assert await up.handled("bot2") > 0

    # A broadcast goes out once to each volunteer who accepted news, whichever process sends.
    await write(camille, "Réunion ce soir", topic="Actualités", audience="Tout")
    await camille.expect("Destinataires : 4")
    await camille.press("Envoyer")
    await camille.expect("Envoyés : 4", timeout=60)
    await asyncio.sleep(2)  # a second copy would come by now
    assert [len(got(user, "Réunion ce soir")) for user in crowd] == [1, 0] * 4

    # bot1 dies in the middle of a sign-up: the conversation, in Redis, goes on through bot2.
    anna = sb.user("Anna", language_code="fr")
    await up_to_the_name(anna)
    await up("kill", "-s", "SIGKILL", "bot1")
    await anna.send("Anna")
    await anna.expect("code postal", timeout=30)
    await anna.send("29200")
    await on_from_availability(anna)
    # Posts Caddy could not hand to a bot (502) were posted again, as Telegram does.
    answers = sb.webhook_delivery.answers if sb.webhook_delivery else []
    print("webhook posts by status:", Counter(answers))  # noqa: T201

    # Back up, bot1 checks out and takes its share again.
    await up("start", "bot1")
    before = await up.handled("bot1")
    doctor = await up("exec", "-T", "bot1", "terrain", "doctor", timeout=60)
    assert doctor.count("ok  ") == 4, doctor
    for user in crowd:
        await user.send("/mystats")
        await user.expect("chiffres", timeout=30)
    assert await up.handled("bot1") > before

    # A post without the secret is refused at the door, through the proxy.
    forged = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=sb.webhook_ssl)) as client,
        client.post(WEBHOOK, json={"update_id": 1}, headers=forged) as answer,
    ):
        assert answer.status == 403

    # Everything restarted: nothing lost, PostgreSQL kept everyone.
    await up("restart", timeout=300)
    people = await up(
        "exec", "-T", "postgres", "psql", "-U", "terrain", "-tAc", "SELECT count(*) FROM people"
    )
    assert people.split() == ["10"]
    await camille.send("/report")
    await camille.expect("Tableau de bord", timeout=60)


async def test_a_killed_redis_or_postgresql_loses_no_update(
    deployment: tuple[Deployment, Sandbox],
) -> None:
    up, sb = deployment
    anna = sb.user("Anna", language_code="fr")
    await up_to_the_name(anna)

    for service, answer, then in (
        ("redis", "Anna", "code postal"),
        ("postgres", "29200", "disponible"),
    ):
        await up("kill", "-s", "SIGKILL", service)
        await anna.send(answer)
        await asyncio.sleep(3)
        # Not answered, and not confirmed to Telegram either: it keeps posting it.
        assert not [m for m in anna.replies() if then in m.text]
        await up("start", service)
        await anna.expect(then, timeout=60)
        await asyncio.sleep(1)
        assert len([m for m in anna.replies() if then in m.text]) == 1  # handled once
    await on_from_availability(anna)
    kept = await up(
        "exec", "-T", "postgres", "psql", "-U", "terrain", "-tAc",
        "SELECT display_name, postal_code FROM people",
    )  # fmt: skip
    assert kept.split() == ["Anna|29200"]
    assert not [m for m in anna.transcript if m.from_bot and "erreur" in m.text.lower()]
