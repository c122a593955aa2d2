"""Buttons, and the callback data they carry (parsed and checked by aiogram's CallbackData)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.context import Translate
from models.people import AT_SIGNUP, Availability, Purpose

LANGUAGES = {"fr": "Français", "en": "English"}


class SignupChoice(CallbackData, prefix="su"):
    action: str  # "toggle", "join" or "refuse"
    purpose: str = ""


class SlotChoice(CallbackData, prefix="av"):
    slot: str  # an Availability, or "done"


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class ConsentChange(CallbackData, prefix="cc"):
    purpose: str
    grant: bool


class ForgetChoice(CallbackData, prefix="fg"):
    confirm: bool


def _tick(on: bool) -> str:
    return "☑" if on else "☐"


def signup_keyboard(t: Translate, choices: dict[str, bool]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=f"{_tick(choices.get(p.value, False))} {t(f'purpose.{p.value}.button')}",
                callback_data=SignupChoice(action="toggle", purpose=p.value).pack(),
            )
        ]
        for p in AT_SIGNUP
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=t("signup.join_button"), callback_data=SignupChoice(action="join").pack()
            ),
            InlineKeyboardButton(
                text=t("signup.refuse_button"), callback_data=SignupChoice(action="refuse").pack()
            ),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def availability_keyboard(t: Translate, chosen: list[str]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=f"{_tick(slot.value in chosen)} {t(f'availability.{slot.value}')}",
                callback_data=SlotChoice(slot=slot.value).pack(),
            )
        ]
        for slot in Availability
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=t("profile.availability_done"), callback_data=SlotChoice(slot="done").pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def one_button_keyboard(text: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=text)]], resize_keyboard=True, one_time_keyboard=True
    )


def contact_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("profile.phone_share_button"), request_contact=True)],
            [KeyboardButton(text=t("profile.phone_skip_button"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=name, callback_data=LanguageChoice(code=code).pack())
                for code, name in LANGUAGES.items()
            ]
        ]
    )


def consent_keyboard(t: Translate, current: dict[Purpose, bool]) -> InlineKeyboardMarkup:
    rows = []
    for purpose, granted in current.items():
        key = "consent.withdraw_button" if granted else "consent.grant_button"
        rows.append(
            [
                InlineKeyboardButton(
                    text=t(key, purpose=t(f"purpose.{purpose.value}.short")),
                    callback_data=ConsentChange(purpose=purpose.value, grant=not granted).pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def forget_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("forget.confirm_button"), callback_data=ForgetChoice(confirm=True).pack()
                ),
                InlineKeyboardButton(
                    text=t("forget.cancel_button"), callback_data=ForgetChoice(confirm=False).pack()
                ),
            ]
        ]
    )
