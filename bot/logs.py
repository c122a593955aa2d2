"""Logging setup. The bot token must never reach a log line, whoever writes it."""

from __future__ import annotations

import logging


class RedactSecrets(logging.Filter):
    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                for secret in self.secrets:
                    message = message.replace(secret, "<redacted>")
                record.msg, record.args = message, None
        return True


def setup_logging(level: int = logging.INFO, *secrets: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(*secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs a line at INFO for every update ("Update id=... is handled. Duration ..."):
    # at a campaign's busiest, hundreds a second with nothing to act on, and 2% of the bot's
    # CPU over bench/updates_mix.py. Its warnings and errors still show.
    logging.getLogger("aiogram.event").setLevel(max(level, logging.WARNING))
