"""The states of every dialog, in one place so that dialogs can start one another."""

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    timezone = State()
    timezone_city = State()
    role = State()
    done = State()


class TutorProfileForm(StatesGroup):
    name = State()
    subjects = State()
    currency = State()
    rate = State()
    timezone = State()
    timezone_region = State()
    timezone_city = State()
    buffer = State()
    notice = State()
    summary = State()
    saved = State()


class SettingsMenu(StatesGroup):
    main = State()
    language = State()
    timezone = State()
    timezone_city = State()
    role = State()
