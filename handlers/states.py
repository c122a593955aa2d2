"""The conversations' steps, in one place so handlers can hand over to each other."""

from aiogram.fsm.state import State, StatesGroup


class Signup(StatesGroup):
    deciding = State()


class Profile(StatesGroup):
    name = State()
    postal_code = State()
    availability = State()
    phone = State()


class Rights(StatesGroup):
    confirming_forget = State()
