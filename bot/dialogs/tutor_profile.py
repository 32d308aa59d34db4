"""The tutor profile, step by step: name, subjects, currency and hourly rate, time zone, break between
sessions, cancellation policy, booking notice; then a summary where any step can be changed before
saving."""

from collections.abc import Callable
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Group, Row, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.dialogs.common import deps, parse_or_refuse, report, rules_of, user_id_of
from bot.dialogs.states import TutorProfileForm
from bot.dialogs.widgets import Answer, Tr, choice_buttons, typed_answer
from bot.dialogs.zone_picker import zone_windows
from bot.texts.bookings import hourly_rate
from bot.texts.policies import policy_text
from core.bookings import refund_policy_of
from core.errors import DomainError
from core.money import normalize_currency, parse_amount
from core.refund_policy import FULL_REFUND, TIERED_PRESETS, RefundPolicy, decode_policy, parse_cancellation
from core.tutor_profile_rules import (
    BOOKING_NOTICE_CHOICES_MINUTES,
    BUFFER_CHOICES_MINUTES,
    NOTICE_CHOICES_HOURS,
    check_hourly_rate,
    clean_display_name,
    parse_booking_notice,
    parse_buffer_minutes,
    parse_subjects,
)
from core.usecases.accounts import get_user
from core.usecases.tutor_profiles import ProfileDraft, get_profile_of_user, save_tutor_profile
from l10n.formatting import fmt_zone

QUICK_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "INR", "JPY")
_STEPS = 7
# The cancellation step's buttons beyond plain hours: the tiered presets, by a short id (a button's value
# travels in its callback data).
POLICY_PRESETS = {f"t{n}": policy.encode() for n, policy in enumerate(TIERED_PRESETS, start=1)}


async def _on_start(start_data: Any, manager: DialogManager) -> None:
    uow_factory, _clock = deps(manager)
    user_id = user_id_of(manager)
    data = manager.dialog_data
    profile = await get_profile_of_user(uow_factory(), user_id)
    if profile is not None:
        data.update(
            name=profile.display_name,
            subjects=profile.subjects,
            currency=profile.currency,
            rate=profile.hourly_rate_minor,
            timezone=profile.timezone,
            buffer=profile.buffer_minutes,
            policy=refund_policy_of(profile).encode(),
            booking_notice=profile.booking_notice_minutes,
            editing=True,
            review=True,
        )
        await manager.switch_to(TutorProfileForm.summary)
        return
    user = await get_user(uow_factory(), user_id)
    data.update(
        suggested_name=user.first_name if user else "",
        timezone=(user.timezone if user else None) or "UTC",
        buffer=15,
        policy=FULL_REFUND.encode(),
        booking_notice=rules_of(manager).booking_notice_minutes,
        editing=False,
        review=False,
    )


async def _next(manager: DialogManager, state: State) -> None:
    """The next step; once the summary has been seen, every answer leads back to it."""
    if state == TutorProfileForm.summary:
        manager.dialog_data["review"] = True
    await manager.switch_to(TutorProfileForm.summary if manager.dialog_data.get("review") else state)


def _rate_text(data: dict[str, Any]) -> str:
    rate, currency = data.get("rate"), data.get("currency")
    return "" if rate is None or currency is None else hourly_rate(int(rate), str(currency))


def _booking_notice_text(minutes: int) -> str:
    if minutes == 0:
        return _("until the start")
    if minutes % 60:
        return ngettext("up to {n} minute before the start", "up to {n} minutes before the start", minutes).format(
            n=minutes
        )
    hours = minutes // 60
    return ngettext("up to {n} hour before the start", "up to {n} hours before the start", hours).format(n=hours)


def _minutes_label(minutes: int) -> str:
    if minutes == 0:
        return _("Until the start")
    if minutes % 60:
        return _("{n} min").format(n=minutes)
    return _("{n} h").format(n=minutes // 60)


async def _getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    _uow, clock = deps(dialog_manager)
    buffer = int(data.get("buffer", 15))
    return {
        "steps": _STEPS,
        "name": data.get("name", ""),
        "suggested_name": data.get("suggested_name", ""),
        "has_suggestion": bool(data.get("suggested_name")),
        "subjects": ", ".join(data.get("subjects", [])),
        "has_subjects": bool(data.get("subjects")),
        "currency": data.get("currency", ""),
        "currencies": [(code, code) for code in QUICK_CURRENCIES],
        "rate_text": _rate_text(data),
        "zone": fmt_zone(str(data.get("timezone", "UTC")), clock.now()),
        "buffer_text": ngettext("{n} minute", "{n} minutes", buffer).format(n=buffer),
        "buffer_choices": [(str(m), _("{n} min").format(n=m)) for m in BUFFER_CHOICES_MINUTES],
        "notice_text": policy_text(decode_policy(str(data.get("policy") or FULL_REFUND.encode()))),
        "notice_choices": [
            *((str(h), _("Any time") if h == 0 else _("{n} h").format(n=h)) for h in NOTICE_CHOICES_HOURS),
            ("t1", _("24 h full, 2 h half")),
            ("t2", _("48 h full, 24 h half")),
        ],
        "booking_notice_text": _booking_notice_text(int(data.get("booking_notice", 0))),
        "booking_notice_choices": [(str(m), _minutes_label(m)) for m in BOOKING_NOTICE_CHOICES_MINUTES],
        "editing": bool(data.get("editing")),
        "awaiting_review": bool(data.get("awaiting_review")),
    }


def _step(key: str, parse: Callable[[str], Any], then: State) -> Answer:
    """Store the parsed answer under `key` and go on; bad input gets its localized message, nothing else."""

    async def store(event: Message | CallbackQuery, manager: DialogManager, value: Any) -> None:
        manager.dialog_data[key] = value
        await _next(manager, then)

    return parse_or_refuse(lambda manager, text: parse(text), store)


_name = _step("name", clean_display_name, TutorProfileForm.subjects)
_subjects = _step("subjects", parse_subjects, TutorProfileForm.currency)
_buffer = _step("buffer", parse_buffer_minutes, TutorProfileForm.notice)


async def _policy_given(event: Message | CallbackQuery, manager: DialogManager, policy: RefundPolicy) -> None:
    manager.dialog_data["policy"] = policy.encode()
    await _next(manager, TutorProfileForm.booking_notice)


_notice = parse_or_refuse(lambda manager, text: parse_cancellation(POLICY_PRESETS.get(text, text)), _policy_given)
# The last step: whatever the path, the summary comes next.
_booking_notice = _step("booking_notice", parse_booking_notice, TutorProfileForm.summary)


async def _name_suggested(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    await _name(event, manager, str(manager.dialog_data.get("suggested_name", "")))


async def _currency_given(event: Message | CallbackQuery, manager: DialogManager, currency: str) -> None:
    changed = manager.dialog_data.get("currency") != currency
    manager.dialog_data["currency"] = currency
    # A rate typed for another currency means nothing in this one: ask for it again.
    if changed:
        manager.dialog_data.pop("rate", None)
        await manager.switch_to(TutorProfileForm.rate)
    else:
        await _next(manager, TutorProfileForm.rate)


_currency = parse_or_refuse(lambda manager, text: normalize_currency(text), _currency_given)


async def _rate(event: Message | CallbackQuery, manager: DialogManager, text: str) -> None:
    currency = str(manager.dialog_data.get("currency", ""))
    await _step(
        "rate", lambda typed: check_hourly_rate(parse_amount(typed, currency), currency), TutorProfileForm.timezone
    )(event, manager, text)


async def _zone_kept(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    await _next(manager, TutorProfileForm.buffer)


async def _zone_chosen(event: Message | CallbackQuery, manager: DialogManager, zone: str) -> None:
    manager.dialog_data["timezone"] = zone
    await _next(manager, TutorProfileForm.buffer)


async def _save(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    data = manager.dialog_data
    missing = [key for key in ("name", "subjects", "currency", "rate") if data.get(key) in (None, "", [])]
    if missing:
        await event.answer(_("Some answers are missing: please fill in every step."), show_alert=True)
        step = {
            "name": TutorProfileForm.name,
            "subjects": TutorProfileForm.subjects,
            "currency": TutorProfileForm.currency,
            "rate": TutorProfileForm.rate,
        }[missing[0]]
        await manager.switch_to(step)
        return
    draft = ProfileDraft(
        display_name=str(data["name"]),
        subjects=list(data["subjects"]),
        hourly_rate_minor=int(data["rate"]),
        currency=str(data["currency"]),
        timezone=str(data["timezone"]),
        buffer_minutes=int(data["buffer"]),
        # Derived from the policy in core.
        cancellation_notice_hours=0,
        refund_policy=str(data.get("policy") or FULL_REFUND.encode()),
        booking_notice_minutes=int(data.get("booking_notice", 0)),
    )
    try:
        saved = await save_tutor_profile(
            uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), draft=draft
        )
    except DomainError as error:
        await report(event, error)
        return
    data["awaiting_review"] = saved.awaiting_review
    await manager.switch_to(TutorProfileForm.saved)


def _edit(label: Tr, widget_id: str, state: State) -> SwitchTo:
    # The label comes as a Tr written at the call: a bare string passed here would never reach the catalog.
    return SwitchTo(label, id=widget_id, state=state)


def _question(state: State, question: Tr, hint: Tr, *keyboard: Any, answer: Answer) -> Window:
    """A step of the form: the question and a hint, the usual answers as buttons, and a typed answer."""
    return Window(Multi(question, hint, sep="\n\n"), *keyboard, typed_answer(answer), state=state, getter=_getter)


def build_tutor_profile_dialog() -> Dialog:
    return Dialog(
        _question(
            TutorProfileForm.name,
            Tr("🧑‍🏫 Your tutor profile: step 1 of {steps}."),
            Tr("What name should students see?"),
            Button(Format("✅ {suggested_name}"), id="use_name", on_click=_name_suggested, when="has_suggestion"),
            answer=_name,
        ),
        _question(
            TutorProfileForm.subjects,
            Tr("Step 2 of {steps}: which subjects do you teach?"),
            Tr("Separate them with commas, for example: Maths, Physics, French."),
            answer=_subjects,
        ),
        _question(
            TutorProfileForm.currency,
            Tr("Step 3 of {steps}: in which currency do students pay you?"),
            Tr("Pick one, or type its three-letter code (for example SEK)."),
            choice_buttons("currency", "currencies", _currency),
            answer=_currency,
        ),
        _question(
            TutorProfileForm.rate,
            Tr("Step 3 of {steps}: your hourly rate in {currency}?"),
            Tr(
                "Type an amount such as 30 or 30.50; type 0 if your lessons are free. "
                "A lesson costs the hourly rate times its length."
            ),
            Row(SwitchTo(Tr("💱 Change currency"), id="to_currency", state=TutorProfileForm.currency)),
            answer=_rate,
        ),
        Window(
            Multi(
                Tr("Step 4 of {steps}: the time zone of your lessons."),
                Tr("🕒 {zone}. Your free times will be set in this zone; students see them in theirs."),
                sep="\n\n",
            ),
            Button(Tr("✅ Keep it"), id="keep_zone", on_click=_zone_kept),
            SwitchTo(Tr("🕒 Change"), id="change_zone", state=TutorProfileForm.timezone_region),
            state=TutorProfileForm.timezone,
            getter=_getter,
        ),
        *zone_windows(
            TutorProfileForm.timezone_region,
            TutorProfileForm.timezone_city,
            intro=Tr("Step 4 of {steps}: the time zone of your lessons."),
            on_zone=_zone_chosen,
            getter=_getter,
        ),
        _question(
            TutorProfileForm.buffer,
            Tr("Step 5 of {steps}: how long a break do you want between two sessions?"),
            Tr("Pick one or type a number of minutes. Now: {buffer_text}."),
            choice_buttons("buffer", "buffer_choices", _buffer),
            answer=_buffer,
        ),
        _question(
            TutorProfileForm.notice,
            Tr("Step 6 of {steps}: until when may students cancel a booking (with a full refund)?"),
            Tr(
                "Pick one, type hours before the start (24), or tiers such as “24h 100%, 2h 50%”. A student may "
                "still cancel later: after the last tier nothing comes back. Now: {notice_text}."
            ),
            choice_buttons("notice", "notice_choices", _notice),
            answer=_notice,
        ),
        _question(
            TutorProfileForm.booking_notice,
            Tr("Step 7 of {steps}: how long before a start may students still book? Later times are not offered."),
            Tr("Pick one, or type hours (2) or minutes (90 min). Now: {booking_notice_text}."),
            choice_buttons("booking_notice", "booking_notice_choices", _booking_notice),
            answer=_booking_notice,
        ),
        Window(
            Multi(
                Tr("🧑‍🏫 Your tutor profile"),
                Tr(
                    "Name: {name}\nSubjects: {subjects}\nRate: {rate_text}\nTime zone: {zone}\n"
                    "Break between sessions: {buffer_text}\nCancellation: {notice_text}\n"
                    "Bookings: {booking_notice_text}"
                ),
                Tr("Save it, or change any answer first."),
                sep="\n\n",
            ),
            Button(Tr("✅ Save"), id="save", on_click=_save),
            Group(
                _edit(Tr("✏️ Name"), "edit_name", TutorProfileForm.name),
                _edit(Tr("✏️ Subjects"), "edit_subjects", TutorProfileForm.subjects),
                _edit(Tr("✏️ Rate"), "edit_rate", TutorProfileForm.rate),
                _edit(Tr("✏️ Currency"), "edit_currency", TutorProfileForm.currency),
                _edit(Tr("✏️ Time zone"), "edit_zone", TutorProfileForm.timezone),
                _edit(Tr("✏️ Break"), "edit_buffer", TutorProfileForm.buffer),
                _edit(Tr("✏️ Cancellation"), "edit_notice", TutorProfileForm.notice),
                _edit(Tr("✏️ Booking notice"), "edit_booking_notice", TutorProfileForm.booking_notice),
                width=2,
            ),
            state=TutorProfileForm.summary,
            getter=_getter,
        ),
        Window(
            Tr(
                "⏳ Thank you! An admin will review your profile, and I will tell you here as soon as it is approved.",
                when="awaiting_review",
            ),
            Tr(
                "✅ Your tutor profile is saved. Send /help to see what you can do next.",
                when=lambda data, widget, manager: not data.get("awaiting_review"),
            ),
            Cancel(Tr("👍 OK"), id="finish"),
            state=TutorProfileForm.saved,
            getter=_getter,
        ),
        on_start=_on_start,
    )
