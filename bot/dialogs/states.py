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
    booking_notice = State()
    summary = State()
    saved = State()


class SettingsMenu(StatesGroup):
    main = State()
    language = State()
    timezone = State()
    timezone_city = State()
    role = State()


class Availability(StatesGroup):
    week = State()
    day = State()
    slot = State()
    result = State()
    confirm_clear = State()
    copy_targets = State()
    patterns = State()
    # The steps of adding or editing a slot, also used (from "length" on) by a new weekly pattern.
    pick_date = State()
    start = State()
    length = State()
    end_time = State()
    kind = State()
    seats = State()
    pattern_days = State()
    pattern_from = State()
    pattern_to = State()
    pattern_confirm = State()


class Booking(StatesGroup):
    subjects = State()
    tutors = State()
    calendar = State()
    day = State()
    confirm = State()
    note = State()
    pay = State()
    done = State()
    packages = State()
    package_pay = State()


class Packages(StatesGroup):
    listing = State()
    # Course mode only: the subject, asked first.
    subject = State()
    # School mode only (an admin): the currency, asked first.
    currency = State()
    # Course mode only: add a tutor who teaches the course.
    course_tutors = State()
    name = State()
    lessons = State()
    minutes = State()
    price = State()
    validity = State()
    kind = State()
    confirm = State()


class CancelSession(StatesGroup):
    reason = State()
    confirm = State()
    done = State()


class Room(StatesGroup):
    main = State()
    earlier = State()
    chat = State()
    history = State()
    files = State()
    upload = State()


class Family(StatesGroup):
    main = State()
    invite_name = State()
    managed_name = State()
    invited = State()


class ReviewComment(StatesGroup):
    text = State()


class SessionNotes(StatesGroup):
    student = State()
    notes = State()
    homework = State()
    due = State()
    files = State()
    confirm = State()
