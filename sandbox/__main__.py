"""``python -m sandbox --port 8081``: run the sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .core import DEFAULT_TOKEN, Sandbox


async def _serve(args: argparse.Namespace) -> None:
    sb = Sandbox(args.token, args.username, host=args.host, port=args.port)
    await sb.start()
    for name in args.user:
        user = sb.user(name)
        print(f"user {name}: id {user.id}")  # noqa: T201
    print(f"Telegram Bot API sandbox at {sb.base_url} (bot @{args.username}); Ctrl-C to stop")  # noqa: T201
    print(f"control endpoints: {sb.base_url}/sandbox/... (see sandbox/control.py)")  # noqa: T201
    try:
        await asyncio.Event().wait()
    finally:
        await sb.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="terrain_test_bot")
    parser.add_argument("--user", action="append", default=[], help="create a user by name")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
