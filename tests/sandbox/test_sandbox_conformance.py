"""The sandbox's parameter table against the official spec and against aiogram's models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiogram import methods as aiogram_methods
from aiogram.methods.base import TelegramMethod

from sandbox.schema import METHODS

ROOT = Path(__file__).resolve().parents[2]
# aiogram 3.31 speaks Bot API 10.3, the spec copy is 10.1: parameters newer than the spec are
# refused on purpose (the bot must not rely on them while we check against 10.1).
NEWER_THAN_SPEC = {"ephemeral_message_parameters"}
SPEC = ROOT.parent / "shared" / "telegram" / "bot-api.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.is_file():
        pytest.skip(
            f"../shared/telegram/bot-api.json is absent ({SPEC}): the official Bot API"
            " description is needed to check sandbox/schema.py against it"
        )
    return json.loads(SPEC.read_text(encoding="utf-8"))


def test_every_method_exists_in_the_spec(spec: dict[str, Any]) -> None:
    missing = sorted(set(METHODS) - set(spec["methods"]))
    assert not missing, f"methods unknown to the Bot API: {missing}"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_parameters_match_the_spec(spec: dict[str, Any], method: str) -> None:
    official = {f["name"]: f for f in spec["methods"][method].get("fields", [])}
    ours = METHODS[method]
    unknown = sorted(set(ours) - set(official))
    assert not unknown, f"{method}: parameters not in the spec: {unknown}"
    for name, param in ours.items():
        field = official[name]
        assert param.type == " or ".join(field["types"]), f"{method}.{name} type"
        assert param.required == field["required"], f"{method}.{name} required flag"
    absent = sorted(set(official) - set(ours))
    assert not absent, f"{method}: spec parameters the sandbox would refuse: {absent}"


def _aiogram_method(name: str) -> type[TelegramMethod[Any]] | None:
    for value in vars(aiogram_methods).values():
        if (
            isinstance(value, type)
            and issubclass(value, TelegramMethod)
            and getattr(value, "__api_method__", None) == name
        ):
            return value
    return None


@pytest.mark.parametrize("method", sorted(METHODS))
def test_aiogram_parameters_are_accepted(method: str) -> None:
    """Every non-deprecated parameter aiogram can send for the method is in the table."""
    model = _aiogram_method(method)
    if model is None:
        pytest.skip(f"aiogram has no {method}")
    sent = {
        name
        for name, field in model.model_fields.items()
        if not (field.json_schema_extra or {}).get("deprecated")  # type: ignore[union-attr]
    }
    missing = sorted(sent - set(METHODS[method]) - NEWER_THAN_SPEC)
    assert not missing, f"aiogram may send {method}({missing}) but the sandbox would refuse it"
