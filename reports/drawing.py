"""Charts are drawn in a worker process, not in a thread of the bot's.

matplotlib holds the GIL while it draws, 130-160 ms a chart here: in a thread that time is
taken from the event loop that answers volunteers, and beside a weekly digest's queries the
process spent 700-900 ms of CPU where the parts alone take about 590. One worker process
(`python -m reports.drawing`), started with the first chart and kept for the life of the
bot's process, draws them all, one at a time. It imports matplotlib, the chart code and the
catalogs, nothing of the bot, and reads the figures and a locale, pickled, on its standard
input; each answer is the PNG (or None) on its standard output. A worker that dies, or takes
longer than CHART_TIMEOUT_S (then it is killed), is replaced for the chart it was drawing.
It ends when the bot's process does (its input closes)."""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from reports.charts import activity_chart, targets_chart
from reports.figures import Dashboard

if TYPE_CHECKING:
    from bot.i18n import Catalogs

CHARTS = {"activity": activity_chart, "targets": targets_chart}
_FRAME = struct.Struct(">I")  # each message: its length, then the pickle
CHART_TIMEOUT_S = 30.0  # a chart takes well under a second: longer, the worker is stuck
STARTUP_S = 30.0  # more for a worker just started: it imports matplotlib first (~1 s)

_lock = threading.Lock()  # one chart at a time through the worker's pipes
_worker: subprocess.Popen[bytes] | None = None


class ChartFailed(RuntimeError):
    """The worker could not draw a chart; the message is its error."""


async def draw(chart: str, d: Dashboard, locale: str) -> bytes | None:
    """The chart named in CHARTS for `d`, in `locale`, as PNG; None when it has nothing to draw.
    The wait happens in a thread: the pipes block, the event loop does not."""
    return await asyncio.to_thread(_through_worker, pickle.dumps((chart, d, locale)))


def worker_pids() -> list[int]:
    """The worker's process id, once started (to measure its memory, or to kill it)."""
    return [_worker.pid] if _worker is not None and _worker.poll() is None else []


def _through_worker(request: bytes) -> bytes | None:
    global _worker
    with _lock:
        for attempt in (1, 2):
            limit = CHART_TIMEOUT_S
            if _worker is None or _worker.poll() is not None:
                _worker, limit = _start(), CHART_TIMEOUT_S + STARTUP_S
            # Killing a stuck worker ends the wait below: its output closes.
            watchdog = threading.Timer(limit, _worker.kill)
            watchdog.start()
            try:
                _send(_worker.stdin, request)
                answer = _receive(_worker.stdout)
            except BrokenPipeError:
                answer = None
            finally:
                watchdog.cancel()
            if answer is not None:
                break
            _worker.kill()  # stuck, killed, or out of memory: a new one, once
            _worker.wait()
            _worker = None
            if attempt == 2:
                raise ChartFailed("the chart worker died or got stuck twice")
    drawn, value = pickle.loads(answer)  # noqa: S301  (our own child, on our own pipe)
    if not drawn:
        raise ChartFailed(value)
    return value


def _start() -> subprocess.Popen[bytes]:
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))
    return subprocess.Popen(
        [sys.executable, "-m", "reports.drawing"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": path},
    )


@atexit.register
def _stop() -> None:
    if _worker is not None and _worker.poll() is None:
        _worker.stdin.close()  # type: ignore[union-attr]
        try:
            _worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _worker.kill()


def _send(pipe: IO[bytes] | None, message: bytes) -> None:
    assert pipe is not None
    pipe.write(_FRAME.pack(len(message)) + message)
    pipe.flush()


def _receive(pipe: IO[bytes] | None) -> bytes | None:
    """The next message, or None once the other side has gone."""
    assert pipe is not None
    header = pipe.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    message = pipe.read(size)
    return message if len(message) == size else None


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """In the worker: draw each chart asked for, until the bot's side closes."""
    import matplotlib.backends.backend_agg  # noqa: F401  (loaded before the first chart)

    while (request := _receive(requests)) is not None:
        chart, d, locale = pickle.loads(request)  # noqa: S301  (from the bot that started us)
        answer: tuple[bool, Any]
        try:
            answer = (True, CHARTS[chart](d, _catalogs().translator(locale)))
        except Exception as error:  # the bot gets it as ChartFailed
            answer = (False, f"{type(error).__name__}: {error}")
        _send(answers, pickle.dumps(answer))


@functools.cache
def _catalogs() -> Catalogs:
    from bot.i18n import Catalogs

    return Catalogs()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
