"""(being written)"""

from aiogram import Router

router = Router(name="volunteer_missions")
