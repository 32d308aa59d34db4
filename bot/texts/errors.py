"""Localized messages for the domain's error codes."""

from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.telegram_limits import shorten
from bot.texts.periods import period
from core.errors import DomainError
from core.timezones import utc_to_local
from l10n.formatting import fmt_datetime, fmt_money, fmt_time


def _money(params: dict[str, Any], amount_key: str) -> str:
    return fmt_money(int(params[amount_key]), str(params["currency"]), get_i18n().current_locale)


def _day(value: Any) -> str:
    return format_date(value, "EEEE d MMMM", locale=get_i18n().current_locale)


def _overlap(p: dict[str, Any]) -> str:
    zone = str(p.get("zone", "UTC"))
    start, end = p["conflict_start"], p["conflict_end"]
    locale = get_i18n().current_locale
    return _(
        "This overlaps your slot of {day}, {start}–{end}, or leaves less than your break between sessions. "
        "Choose another time."
    ).format(
        day=_day(utc_to_local(start, zone).date()),
        start=fmt_time(start, zone, locale),
        end=fmt_time(end, zone, locale),
    )


def _notice(p: dict[str, Any]) -> str:
    minutes = int(p["minutes"])
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext(
            "{tutor} takes bookings up to {n} hour before the start: pick a later time.",
            "{tutor} takes bookings up to {n} hours before the start: pick a later time.",
            hours,
        ).format(tutor=p["tutor"], n=hours)
    return ngettext(
        "{tutor} takes bookings up to {n} minute before the start: pick a later time.",
        "{tutor} takes bookings up to {n} minutes before the start: pick a later time.",
        minutes,
    ).format(tutor=p["tutor"], n=minutes)


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "timezone.unknown": lambda p: _(
        "I don't know the time zone “{text}”. Type a name such as Europe/Paris or America/New_York, "
        "pick your region, or share your location."
    ).format(**p),
    "time.nonexistent": lambda p: _(
        "{local} does not exist in {zone}: the clocks jump forward then. Choose another time."
    ).format(**p),
    "currency.unsupported": lambda p: _(
        "I can't take payments in “{currency}”. Type a currency code such as EUR, USD or GBP."
    ).format(**p),
    "money.invalid": lambda p: _("“{text}” is not an amount. Type a number such as 30 or 30.50.").format(**p),
    "money.too_precise": lambda p: (
        _("This currency has no cents: type a whole number.")
        if int(p["digits"]) == 0
        else ngettext(
            "Use at most {digits} decimal place.", "Use at most {digits} decimal places.", int(p["digits"])
        ).format(**p)
    ),
    "profile.name_length": lambda p: ngettext(
        "The name must be {min} to {max} character long.",
        "The name must be {min} to {max} characters long.",
        int(p["max"]),
    ).format(**p),
    "profile.name_invalid": lambda p: _("Please type a name with letters in it, without special control characters."),
    "profile.subject_invalid": lambda p: _("“{subject}” contains characters I can't use.").format(**p),
    "profile.subjects_empty": lambda p: _("Type at least one subject, for example: Maths, Physics."),
    "profile.subject_length": lambda p: ngettext(
        "Each subject must be {min} to {max} character long, and “{subject}” is not.",
        "Each subject must be {min} to {max} characters long, and “{subject}” is not.",
        int(p["max"]),
    ).format(**p),
    "profile.subjects_too_many": lambda p: ngettext(
        "You can list up to {max} subject.", "You can list up to {max} subjects.", int(p["max"])
    ).format(**p),
    "profile.rate_range": lambda p: _("The hourly rate must be between 0 and {max}.").format(
        max=_money(p, "max_minor")
    ),
    "profile.buffer_range": lambda p: ngettext(
        "The break must be between {min} and {max} minute.",
        "The break must be between {min} and {max} minutes.",
        int(p["max"]),
    ).format(**p),
    "profile.notice_range": lambda p: ngettext(
        "The notice must be between {min} and {max} hour.",
        "The notice must be between {min} and {max} hours.",
        int(p["max"]),
    ).format(**p),
    "profile.number_invalid": lambda p: _("Type a whole number, for example 15."),
    "language.unsupported": lambda p: _("That language is not available."),
    "role.unknown": lambda p: _("That choice is not available."),
    "user.not_found": lambda p: _("I don't know you yet: send /start first."),
    "tutor.not_found": lambda p: _("This tutor does not exist or is no longer available."),
    "tutor_review.not_admin": lambda p: _("Only an admin can review tutors."),
    "tutor_review.already_done": lambda p: _("This tutor has already been reviewed."),
    "tutor.no_profile": lambda p: _("Set up your tutor profile first: send /settings and choose the tutor role."),
    "time.invalid": lambda p: _("“{text}” is not a time. Type it like 16:00 or 4pm.").format(**p),
    "duration.invalid": lambda p: _("“{text}” is not a length. Type minutes such as 60, or 1h30.").format(**p),
    "slot.seats_invalid": lambda p: _("“{text}” is not a number of seats.").format(**p),
    "slot.duration": lambda p: ngettext(
        "A session lasts from {min} to {max} minute.", "A session lasts from {min} to {max} minutes.", int(p["max"])
    ).format(**p),
    "slot.step": lambda p: ngettext(
        "Use times and lengths in steps of {step} minute.",
        "Use times and lengths in steps of {step} minutes.",
        int(p["step"]),
    ).format(**p),
    "slot.seats_one_to_one": lambda p: _("A 1-to-1 session has exactly one seat."),
    "slot.seats_group": lambda p: ngettext(
        "A group session has {min} to {max} seat.", "A group session has {min} to {max} seats.", int(p["max"])
    ).format(**p),
    "slot.in_past": lambda p: _("That time has already passed. Choose a time in the future."),
    "slot.beyond_window": lambda p: _("You can offer slots up to {day}, {period} ahead.").format(
        day=_day(p["last_day"]), period=period(int(p["days"]))
    ),
    "slot.overlap": _overlap,
    "slot.crosses_midnight": lambda p: _("A slot must end by midnight."),
    "slot.end_before_start": lambda p: _("The end must be after the start."),
    "slot.day_off": lambda p: _("{day} is marked as a day off.").format(day=_day(p["day"])),
    "slot.not_found": lambda p: _("This slot does not exist any more."),
    "slot.cancelled": lambda p: _("This slot's session was cancelled: delete it, and add a new slot instead."),
    "slot.started": lambda p: _("This slot has started or is over: it can no longer be changed."),
    "slot.has_bookings": lambda p: ngettext(
        "This slot has {booked} booking: it cannot be moved, shrunk or deleted. Cancel the session instead, "
        "which refunds the student.",
        "This slot has {booked} bookings: it cannot be moved, shrunk or deleted. Cancel the session instead, "
        "which refunds the students.",
        int(p["booked"]),
    ).format(**p),
    "pattern.no_days": lambda p: _("Pick at least one day of the week."),
    "pattern.window_too_short": lambda p: _("The time window is shorter than one {minutes}-minute session.").format(
        **p
    ),
    "pattern.not_found": lambda p: _("This weekly pattern does not exist any more."),
    # Spec 003's wording where it has one.
    "booking.own_slot": lambda p: _("You cannot book your own slot."),
    "booking.past": lambda p: _("This session has already started. Select another time."),
    "booking.beyond_window": lambda p: _("You can book sessions that start before {until}, {period} ahead.").format(
        until=fmt_datetime(p["until"], str(p["zone"]), get_i18n().current_locale), period=period(int(p["days"]))
    ),
    "booking.full": lambda p: _("Session full. Select another time."),
    "booking.taken": lambda p: _("This time is no longer available. Select another."),
    "booking.overlap": lambda p: _("You have another session at this time."),
    "booking.already_booked": lambda p: _("You have already booked this session."),
    "booking.too_many_holds": lambda p: ngettext(
        "You already have {max} booking waiting for payment: pay or release it first (/mybookings).",
        "You already have {max} bookings waiting for payment: pay or release one first (/mybookings).",
        int(p["max"]),
    ).format(**p),
    "booking.payment_unavailable": lambda p: _("Unable to book. Please try again."),
    "booking.note_too_long": lambda p: ngettext(
        "The note can have at most {max} character.", "The note can have at most {max} characters.", int(p["max"])
    ).format(**p),
    "booking.not_found": lambda p: _("This booking does not exist."),
    "booking.not_pending": lambda p: _("This booking is no longer waiting for payment."),
    "package.bad_name": lambda p: ngettext(
        "Give the package a name of at most {max} character, such as “Ten lessons”.",
        "Give the package a name of at most {max} characters, such as “Ten lessons”.",
        int(p["max"]),
    ).format(**p),
    "package.bad_lessons": lambda p: ngettext(
        "A package holds from 1 to {max} lesson.", "A package holds from 1 to {max} lessons.", int(p["max"])
    ).format(**p),
    "package.bad_minutes": lambda p: ngettext(
        "A lesson lasts from {low} to {high} minute, in steps of 5.",
        "A lesson lasts from {low} to {high} minutes, in steps of 5.",
        int(p["high"]),
    ).format(**p),
    "package.bad_price": lambda p: _("Type a price above zero, such as 540."),
    "package.bad_validity": lambda p: ngettext(
        "A package is valid for 1 to {max} day.", "A package is valid for 1 to {max} days.", int(p["max"])
    ).format(**p),
    "package.admin_only": lambda p: _("Only an admin can define the school's packages."),
    "package.not_found": lambda p: _("This package is no longer on sale."),
    "package.own": lambda p: _("You cannot buy your own package."),
    "package.purchase_not_found": lambda p: _("This purchase does not exist."),
    "credit.not_found": lambda p: _("This package does not exist."),
    "credit.not_paid": lambda p: _("This package is not paid yet."),
    "credit.expired": lambda p: _("This package has expired, or expires before this lesson."),
    "credit.none_left": lambda p: _("No lessons are left in this package."),
    "credit.other_tutor": lambda p: _("This package is for another tutor's lessons."),
    "credit.other_type": lambda p: _("This package is for another kind of lesson (1-to-1 or group)."),
    "credit.other_length": lambda p: _("This package's lessons have another length."),
    "family.bad_name": lambda p: ngettext(
        "Type your child's first name, at most {max} character.",
        "Type your child's first name, at most {max} characters.",
        int(p["max"]),
    ).format(**p),
    "family.too_many": lambda p: ngettext(
        "A family has at most {max} child here.", "A family has at most {max} children here.", int(p["max"])
    ).format(**p),
    "family.invite_not_found": lambda p: _("This invite is no longer valid: ask your parent for a new link."),
    "family.own_invite": lambda p: _("This is your own invite: send it to your child."),
    "family.already_linked": lambda p: _("Your account is already linked to this parent."),
    "family.child_not_found": lambda p: _("This child is not linked to your account."),
    "course.not_found": lambda p: _("This course does not exist or is no longer open."),
    "course.not_enrolled": lambda p: _("You must be enrolled to book."),
    "course.other_tutor": lambda p: _("This tutor does not teach this course: pick one of its tutors."),
    "course.bad_subject": lambda p: _("Pick one of your subjects for the course."),
    "course.one_subject": lambda p: _("A course has one subject: type just one, for example Maths."),
    "course.other_currency": lambda p: _("This tutor charges in another currency than the course."),
    "course.too_many_tutors": lambda p: ngettext(
        "A course has at most {max} tutor.", "A course has at most {max} tutors.", int(p["max"])
    ).format(**p),
    "course.bad_reminder_days": lambda p: ngettext(
        "Remind every {low} to {high} day.", "Remind every {low} to {high} days.", int(p["high"])
    ).format(**p),
    "booking.notice": _notice,
    "policy.invalid": lambda p: ngettext(
        "Type tiers such as “24h 100%, 2h 50%”: hours before the start, then what comes back, each less "
        "than the one before (at most {max_tiers} tier).",
        "Type tiers such as “24h 100%, 2h 50%”: hours before the start, then what comes back, each less "
        "than the one before (at most {max_tiers} tiers).",
        int(p["max_tiers"]),
    ).format(**p),
    "profile.booking_notice_range": lambda p: ngettext(
        "The booking notice is at most {max_hours} hour.",
        "The booking notice is at most {max_hours} hours.",
        int(p["max_hours"]),
    ).format(**p),
    "reschedule.not_booked": lambda p: _("Only a booked lesson can be moved."),
    "reschedule.too_late": lambda p: _(
        "It is too late to move this lesson under the tutor's policy: cancel it instead (see what comes back)."
    ),
    "reschedule.same_time": lambda p: _("Your lesson is already at this time: pick another."),
    "reschedule.other_kind": lambda p: _(
        "A lesson moves to a time of the same length, kind and price: cancel it and book this one instead."
    ),
    "reschedule.group": lambda p: _("A group session moves as a whole: cancel it and open another time."),
    "reschedule.proposal_open": lambda p: _("Another time is already proposed for this lesson."),
    "reschedule.proposal_not_found": lambda p: _("This proposal does not exist."),
    "reschedule.proposal_over": lambda p: _("This proposal has been answered or has lapsed."),
    "waitlist.seat_free": lambda p: _("A seat is free on this time: book it now."),
    "waitlist.too_many": lambda p: ngettext(
        "You can wait for at most {max} time at once.", "You can wait for at most {max} times at once.", int(p["max"])
    ).format(**p),
    "waitlist.not_found": lambda p: _("You are not on this waitlist any more."),
    "waitlist.offer_over": lambda p: _("The seat held for you has gone to the next person waiting."),
    "review.not_found": lambda p: _("This review does not exist."),
    "review.bad_stars": lambda p: _("Rate from 1 to 5 stars."),
    "review.not_held": lambda p: _("This lesson has not taken place: it cannot be rated."),
    "review.not_attended": lambda p: _("Only the students who joined the lesson can rate it."),
    "review.too_late": lambda p: ngettext(
        "A lesson can be rated for {days} day after it ends.",
        "A lesson can be rated for {days} days after it ends.",
        int(p["days"]),
    ).format(**p),
    "review.bad_comment": lambda p: _("Your comment holds characters that cannot be shown: type it again."),
    "review.empty_comment": lambda p: _("Type a few words, or tap Skip."),
    "review.comment_too_long": lambda p: ngettext(
        "A comment has at most {max} character.", "A comment has at most {max} characters.", int(p["max"])
    ).format(**p),
    "review.no_comment": lambda p: _("This review has no comment to report."),
    "review.admin_only": lambda p: _("Only an admin can hide a review."),
    "notes.not_held": lambda p: _("Notes are written once the lesson has taken place."),
    "notes.not_attended": lambda p: _("This student did not attend the lesson."),
    "notes.not_found": lambda p: _("These notes do not exist."),
    "notes.bad_text": lambda p: _("The notes hold characters that cannot be shown: type them again."),
    "notes.empty": lambda p: _("Type what you covered in the lesson."),
    "notes.too_long": lambda p: ngettext(
        "Notes have at most {max} character.", "Notes have at most {max} characters.", int(p["max"])
    ).format(**p),
    "notes.too_many_files": lambda p: ngettext(
        "Notes carry at most {max} file.", "Notes carry at most {max} files.", int(p["max"])
    ).format(**p),
    "homework.bad_text": lambda p: _("The homework holds characters that cannot be shown: type it again."),
    "homework.empty": lambda p: _("Type the homework, or tap No homework."),
    "homework.too_long": lambda p: ngettext(
        "Homework has at most {max} character.", "Homework has at most {max} characters.", int(p["max"])
    ).format(**p),
    "homework.bad_due": lambda p: ngettext(
        "Pick a due date within the next {days} day.", "Pick a due date within the next {days} days.", int(p["days"])
    ).format(**p),
    "history.not_found": lambda p: _("You have no lessons with this student."),
    "credit_refund.expired": lambda p: _("This package has expired: its unused lessons can no longer be refunded."),
    "credit_refund.open": lambda p: _("A refund of this package is already waiting for a decision."),
    "credit_refund.not_found": lambda p: _("This refund request does not exist."),
    "credit_refund.decided": lambda p: _("This refund request has already been decided."),
    "cancel.not_active": lambda p: _("This booking is not active any more."),
    "cancel.reason_too_long": lambda p: ngettext(
        "The reason can have at most {max} character.", "The reason can have at most {max} characters.", int(p["max"])
    ).format(**p),
    "cancel.started": lambda p: _("This session has started or is over: it can no longer be cancelled."),
    "session.not_found": lambda p: _("This session does not exist."),
    "session.already_cancelled": lambda p: _("This session is already cancelled."),
    "session.not_yours": lambda p: _("Only the session's tutor can cancel it."),
    "live.already_started": lambda p: _("This session is already live."),
    "live.not_startable": lambda p: _("This session can no longer be started."),
    "live.too_early": lambda p: _("It is too early: you can start the session from {time}.").format(
        time=fmt_datetime(p["opens"], str(p["zone"]), get_i18n().current_locale)
    ),
    "live.over": lambda p: _("This session's time is over: it can no longer be started."),
    "live.not_running": lambda p: _("This session is not live."),
    "chat.empty": lambda p: _("Type a message to send."),
    "chat.too_long": lambda p: ngettext(
        "A message can have at most {max} character.", "A message can have at most {max} characters.", int(p["max"])
    ).format(**p),
    "chat.group": lambda p: _("Group sessions have no chat."),
    "chat.closed": lambda p: _("The chat of this session is closed: the session is over."),
    "chat.left": lambda p: _("This booking is over: its room can be read, but nothing new goes in."),
    "file.type": lambda p: _("Files of type “{extension}” cannot be shared. Allowed: {allowed}.").format(**p),
    "file.too_big": lambda p: _("The file is too big: at most {max_mb} MB.").format(**p),
    "file.tutor_only": lambda p: _("In a group session, only the tutor shares files."),
    "file.not_found": lambda p: _("This file does not exist any more."),
    "file.not_yours": lambda p: _("Only the person who shared a file, or the tutor, can delete it."),
}


# Parameters that hold what the person typed or sent; quoted back, they are shortened so that the answer
# stays short, whatever was typed (up to Telegram's 4,096 characters).
QUOTED_PARAMS = frozenset({"text", "subject", "currency", "extension"})
QUOTE_LIMIT = 40


def error_text(error: DomainError, zone: str | None = None) -> str:
    """The message for an error in the current locale; an unknown code still gets a clear sentence.
    `zone` is the reader's: instants the error names are shown in it rather than where they were decided."""
    render = _MESSAGES.get(error.code)
    if render is None:
        return _("That did not work. Please try again, or send /help.")
    params = {
        key: shorten(value, QUOTE_LIMIT) if key in QUOTED_PARAMS and isinstance(value, str) else value
        for key, value in error.params.items()
    }
    if zone:
        params["zone"] = zone
    try:
        return render(params)
    except (KeyError, ValueError, TypeError):
        return _("That did not work. Please try again, or send /help.")


def known_error_codes() -> frozenset[str]:
    return frozenset(_MESSAGES)
