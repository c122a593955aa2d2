"""French and English catalogs: gettext .po files under bot/locales, read with Babel.

Messages are looked up by key (`notice.text`) and formatted with str.format fields; a test
checks that both catalogs hold the same keys with the same fields."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.pofile import read_po

if TYPE_CHECKING:  # at run time only the type's name: a chart worker reads the catalogs
    from handlers.context import Translate  # without importing every handler

log = logging.getLogger(__name__)
LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "terrain"


def load_catalog(locale: str, directory: Path = LOCALES_DIR) -> dict[str, str]:
    path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


class Catalogs:
    def __init__(self, default_locale: str = "fr", directory: Path = LOCALES_DIR) -> None:
        self.locales: tuple[str, ...] = ("fr", "en")
        self.default_locale = default_locale
        self._messages = {locale: load_catalog(locale, directory) for locale in self.locales}
        self._translators: dict[str, Translate] = {}

    def pick(self, *candidates: str | None) -> str:
        """The first candidate we speak (`fr-CA` counts as `fr`), else the default."""
        for candidate in candidates:
            if candidate:
                short = candidate.split("-")[0].lower()
                if short in self._messages:
                    return short
        return self.default_locale

    def translator(self, locale: str) -> Translate:
        """One function per locale, the same each time: what it renders may be cached by it."""
        found = self._translators.get(locale)
        if found is None:
            found = self._translators[locale] = self._translator(locale)
        return found

    def _translator(self, locale: str) -> Translate:
        messages = self._messages.get(locale) or self._messages[self.default_locale]

        def t(key: str, **fields: object) -> str:
            text = messages.get(key)
            if text is None:
                log.error("missing message %r in locale %s", key, locale)
                return key
            return text.format(**fields) if fields else text

        return t
