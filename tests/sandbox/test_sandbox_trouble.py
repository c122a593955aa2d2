"""The sandbox's bad days: flood control on sends, and chaos (429, 500, no answer)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import Call


async def test_flood_control_refuses_sends_beyond_the_limit(sb: Sandbox, call: Call) -> None:
    anna = sb.user("Anna")
    anna.started = True
    sb.flood_limit(5)
    answers = [await call("sendMessage", chat_id=anna.id, text=f"n{i}") for i in range(6)]
    assert [status for status, _ in answers] == [200] * 5 + [429]
    assert answers[-1][1]["parameters"] == {"retry_after": 1}
    status, _ = await call("getMe")
    assert status == 200  # only sends count
    await asyncio.sleep(1.05)
    assert (await call("sendMessage", chat_id=anna.id, text="later"))[0] == 200
    sb.flood_limit(None)
    for _ in range(8):
        assert (await call("sendMessage", chat_id=anna.id, text="x"))[0] == 200


async def test_chaos_fails_calls_at_random_and_stops_when_told(sb: Sandbox, call: Call) -> None:
    sb.chaos(1.0, seed=3)
    seen = set()
    for _ in range(30):
        try:
            status, _ = await call("getMe")
        except aiohttp.ClientError:
            status = 0  # the connection was dropped: no answer at all
        seen.add(status)
    assert seen == {0, 429, 500}
    assert sb.flaky is not None and all(sb.flaky.hits.values())
    sb.chaos(0)
    assert (await call("getMe"))[0] == 200


@pytest.mark.parametrize("rate", [0.1])
async def test_chaos_at_a_rate_spares_most_calls(sb: Sandbox, call: Call, rate: float) -> None:
    sb.chaos(rate, seed=1)
    ok = 0
    for _ in range(200):
        try:
            ok += (await call("getMe"))[0] == 200
        except aiohttp.ClientError:
            pass
    assert 150 < ok < 200
