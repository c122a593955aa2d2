"""/zones: team leads and organizers browse the zones (top level, then a zone and its
children, page by page) and search them by code or name. Refusals are audited."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.context import AtLeast, Translate, esc
from handlers.refusals import refuse
from models.database import Database
from models.people import Role
from models.zones import (
    Zone,
    ZoneDetail,
    find_zones,
    suggest_zones,
    zone_children,
    zone_detail,
)

router = Router(name="zones")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")

PAGE = 8
QUERY_MAX = 48
CALLBACK_DATA_MAX = 64
ID_LIMIT = 2**31


class ZoneNav(CallbackData, prefix="zn"):
    zone: int  # 0: the top-level list
    page: int


class ZoneFind(CallbackData, prefix="zf"):
    page: int
    q: str


@dataclass(frozen=True)
class View:
    text: str
    keyboard: InlineKeyboardMarkup | None


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE))


def _zone_button(zone: Zone) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=f"{zone.name} · {zone.code}", callback_data=ZoneNav(zone=zone.id, page=0).pack()
        )
    ]


def _nav_row(
    t: Translate, previous: CallbackData | None, following: CallbackData | None
) -> list[InlineKeyboardButton]:
    row = []
    if previous is not None:
        row.append(InlineKeyboardButton(text=t("zones.prev_button"), callback_data=previous.pack()))
    if following is not None:
        row.append(
            InlineKeyboardButton(text=t("zones.next_button"), callback_data=following.pack())
        )
    return row


def _keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def top_view(t: Translate, db: Database, page: int) -> View | None:
    """The top-level zones (communes, mostly); None for a page that can't exist."""
    found = await zone_children(db, None, PAGE, page * PAGE)
    if found.total == 0 and page == 0:
        return View(t("zones.empty"), None)
    if page < 0 or not found.zones:
        return None
    pages = _pages(found.total)
    text = t("zones.top_title", count=found.total, page=page + 1, pages=pages)
    rows = [_zone_button(zone) for zone in found.zones]
    rows.append(
        _nav_row(
            t,
            ZoneNav(zone=0, page=page - 1) if page > 0 else None,
            ZoneNav(zone=0, page=page + 1) if page + 1 < pages else None,
        )
    )
    return View(text, _keyboard(rows))


def _detail_text(t: Translate, detail: ZoneDetail) -> str:
    zone = detail.zone
    lines = [
        t(
            "zones.detail",
            name=esc(zone.name),
            code=esc(zone.code),
            kind=t(f"zones.kind.{zone.kind}"),
        )
    ]
    if detail.parent is not None:
        lines.append(
            t("zones.detail_parent", parent=esc(detail.parent.name), code=esc(detail.parent.code))
        )
    if zone.registered_voters is not None:
        lines.append(t("zones.detail_voters", count=zone.registered_voters))
    if zone.target_doors is not None or zone.target_leaflets is not None:
        lines.append(
            t(
                "zones.detail_targets",
                doors="—" if zone.target_doors is None else zone.target_doors,
                leaflets="—" if zone.target_leaflets is None else zone.target_leaflets,
            )
        )
    return "\n".join(lines)


async def zone_view(t: Translate, db: Database, zone_id: int, page: int) -> View | None:
    """A zone's details and one page of its children; None for a zone or page that doesn't
    exist (a forged or outdated button)."""
    detail = await zone_detail(db, zone_id) if zone_id > 0 and page >= 0 else None
    if detail is None:
        return None
    found = await zone_children(db, zone_id, PAGE, page * PAGE)
    if page > 0 and not found.zones:
        return None
    pages = _pages(found.total)
    text = _detail_text(t, detail)
    if found.total:
        text += "\n\n" + t("zones.children", count=found.total, page=page + 1, pages=pages)
    else:
        text += "\n\n" + t("zones.no_children")
    rows = [_zone_button(zone) for zone in found.zones]
    rows.append(
        _nav_row(
            t,
            ZoneNav(zone=zone_id, page=page - 1) if page > 0 else None,
            ZoneNav(zone=zone_id, page=page + 1) if page + 1 < pages else None,
        )
    )
    up = ZoneNav(zone=detail.parent.id if detail.parent else 0, page=0)
    rows.append([InlineKeyboardButton(text=t("zones.up_button"), callback_data=up.pack())])
    return View(text, _keyboard(rows))


def _find_data(query: str, page: int) -> ZoneFind | None:
    """Callback data for another page of a search, when the query fits in Telegram's 64 bytes."""
    data = ZoneFind(page=page, q=query)
    return data if len(data.pack().encode()) <= CALLBACK_DATA_MAX else None


def clean_query(raw: str) -> str:
    # ':' separates callback data fields, and no code or name needs it to be found.
    return " ".join(raw.replace(":", " ").split())[:QUERY_MAX]


async def search_view(t: Translate, db: Database, query: str, page: int) -> View | None:
    if page < 0:
        return None
    found = await find_zones(db, query, limit=PAGE + 1, offset=page * PAGE)
    shown = esc(query)
    if not found:
        if page > 0:
            return None
        suggestions = await suggest_zones(db, query, limit=PAGE)
        if not suggestions:
            return View(t("zones.search_none", query=shown), None)
        rows = [_zone_button(zone) for zone in suggestions]
        return View(t("zones.search_suggest", query=shown), _keyboard(rows))
    rows = [_zone_button(zone) for zone in found[:PAGE]]
    rows.append(
        _nav_row(
            t,
            _find_data(query, page - 1) if page > 0 else None,
            _find_data(query, page + 1) if len(found) > PAGE else None,
        )
    )
    return View(t("zones.search_title", query=shown, page=page + 1), _keyboard(rows))


@router.message(Command("zones"), AtLeast(Role.TEAM_LEAD))
async def zones(message: Message, command: CommandObject, t: Translate, db: Database) -> None:
    query = clean_query(command.args or "")
    view = await (search_view(t, db, query, 0) if query else top_view(t, db, 0))
    if view is None:  # only a page past the end is None, and this is the first
        return
    await message.answer(view.text, reply_markup=view.keyboard)


async def _show(query: CallbackQuery, bot: Bot, t: Translate, view: View | None) -> None:
    if view is None:
        await query.answer(t("button.stale"), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        # Too old to edit (Telegram's inaccessible message): say it anew.
        await bot.send_message(query.from_user.id, view.text, reply_markup=view.keyboard)
        return
    try:
        await query.message.edit_text(view.text, reply_markup=view.keyboard)
    except TelegramBadRequest as error:
        # A second tap on the same button asks for the same text: nothing to change.
        if "not modified" not in str(error):
            raise


@router.callback_query(ZoneNav.filter(), AtLeast(Role.TEAM_LEAD))
async def navigate(
    query: CallbackQuery, callback_data: ZoneNav, bot: Bot, t: Translate, db: Database
) -> None:
    if not (0 <= callback_data.zone < ID_LIMIT and 0 <= callback_data.page < ID_LIMIT):
        view = None  # forged: ids and pages are 32-bit integers in the database
    elif callback_data.zone == 0:
        view = await top_view(t, db, callback_data.page)
    else:
        view = await zone_view(t, db, callback_data.zone, callback_data.page)
    await _show(query, bot, t, view)


@router.callback_query(ZoneFind.filter(), AtLeast(Role.TEAM_LEAD))
async def search_page(
    query: CallbackQuery, callback_data: ZoneFind, bot: Bot, t: Translate, db: Database
) -> None:
    text = clean_query(callback_data.q)
    valid = text and 0 <= callback_data.page < ID_LIMIT
    view = await search_view(t, db, text, callback_data.page) if valid else None
    await _show(query, bot, t, view)


router.message(Command("zones"))(refuse(Role.TEAM_LEAD))
router.callback_query(ZoneNav.filter())(refuse(Role.TEAM_LEAD, "zones"))
router.callback_query(ZoneFind.filter())(refuse(Role.TEAM_LEAD, "zones"))
