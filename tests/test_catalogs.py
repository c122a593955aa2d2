"""Every message exists in French and English, with the same fields, and every key the code
asks for is in the catalogs."""

import re
import string
from pathlib import Path

import pytest

from bot.i18n import Catalogs, load_catalog

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("fr", "en")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys_and_fields() -> None:
    fr, en = load_catalog("fr"), load_catalog("en")
    assert set(fr) == set(en)
    for key in fr:
        assert fields(fr[key]) == fields(en[key]), key


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("handlers/*.py"), *ROOT.glob("bot/*.py")]:
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z_.]+)\"", path.read_text()))
    assert len(used) > 40
    catalog = load_catalog("en")
    assert sorted(used - set(catalog)) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_dynamic_keys_exist(locale: str) -> None:
    from handlers import menus
    from models.people import Availability, Purpose, Role

    catalog = load_catalog(locale)
    dynamic = [f"purpose.{p.value}.{s}" for p in Purpose for s in ("button", "short")]
    dynamic += [f"availability.{a.value}" for a in Availability]
    dynamic += [f"role.{r.value}" for r in Role]
    dynamic += [f"command.{c}" for c in menus.ADMIN]
    dynamic += [f"profile.name_{reason}" for reason in ("empty", "unprintable", "too_long")]
    assert [key for key in dynamic if key not in catalog] == []


def test_language_is_picked_from_telegram_and_falls_back_to_the_default() -> None:
    catalogs = Catalogs("fr")
    assert catalogs.pick(None, "en-GB") == "en"
    assert catalogs.pick(None, "de") == "fr"
    assert catalogs.pick("en", "fr") == "en"
    assert catalogs.translator("en")("button.stale") != catalogs.translator("fr")("button.stale")


def test_command_descriptions_fit_telegram_limits() -> None:
    for locale in LOCALES:
        for key, text in load_catalog(locale).items():
            if key.startswith("command."):
                assert 1 <= len(text) <= 256, key
