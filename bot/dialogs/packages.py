"""/packages for a tutor: the packages on sale, and a new one step by step (name, number of lessons, their
length, price, validity, 1-to-1 or group), then a summary to confirm. Every typed answer is checked by
the core's rules and explained when refused.

/courses for a tutor is the same dialog in course mode (`start_data` {"course": True}): a course is sold
as a package of its sessions, so the steps are the same, with the subject asked first; the listing shows
the tutor's courses, their enrollment link, and the students enrolled who have not scheduled a session."""

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi, Text

from bot.button_values import StaleButton, list_index, one_of, record_id
from bot.deeplinks import CoursePage, deep_link_url
from bot.dialogs.common import deps, parse_or_refuse, report, rules_of, user_id_of
from bot.dialogs.states import Packages
from bot.dialogs.widgets import Answer, Tr, choice_buttons, pick, typed_answer
from bot.texts.courses import taught_course_entry
from bot.texts.packages import package_line
from bot.texts.periods import period
from core.courses import DEFAULT_REMINDER_DAYS
from core.enums import SessionType
from core.errors import DomainError, ValidationError
from core.money import normalize_currency, parse_amount
from core.packages import (
    PackageSpec,
    check_price,
    clean_package_name,
    parse_lesson_minutes,
    parse_lessons,
    parse_validity,
)
from core.tutor_profile_rules import parse_subjects
from core.usecases.courses import (
    add_course_tutor,
    define_course,
    school_courses,
    taught_courses,
    tutors_who_could_teach,
)
from core.usecases.packages import define_package, school_packages, tutor_packages, withdraw_package
from core.usecases.tutor_profiles import get_profile_of_user
from l10n.formatting import fmt_money

LESSON_CHOICES = (5, 10, 20)
QUICK_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "INR", "JPY")
MINUTE_CHOICES = (30, 45, 60, 90)
VALIDITY_CHOICES = (30, 90, 180, 365)


def _locale() -> str:
    return get_i18n().current_locale


async def _currency(manager: DialogManager) -> str:
    uow_factory, _clock = deps(manager)
    profile = await get_profile_of_user(uow_factory(), user_id_of(manager))
    return profile.currency if profile else "EUR"


def _course_mode(manager: DialogManager) -> bool:
    return bool(manager.dialog_data.get("course"))


def _school_mode(manager: DialogManager) -> bool:
    """An admin's school-wide packages, which any approved tutor's sessions accept."""
    return bool(manager.dialog_data.get("school"))


async def _listing_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    user_id, rules = user_id_of(dialog_manager), rules_of(dialog_manager)
    course, school = _course_mode(dialog_manager), _school_mode(dialog_manager)
    modes = {
        "course": course,
        "package": not course,
        "tutor_packages": not course and not school,
        "tutor_courses": course and not school,
        "school": school and not course,
        "school_courses": school and course,
        # An admin who teaches switches to the school's from their own.
        "to_school_packages": rules.is_admin(user_id) and not school and not course,
        "to_school_courses": rules.is_admin(user_id) and not school and course,
    }
    if course:
        if school:
            taught = await school_courses(uow_factory(), clock, rules, user_id=user_id)
        else:
            taught = await taught_courses(uow_factory(), clock, user_id=user_id)
        username = dialog_manager.middleware_data.get("bot_username") or ""
        lines = [taught_course_entry(t, deep_link_url(username, CoursePage(t.view.course.id))) for t in taught]
        return {
            **modes,
            "lines": "\n\n".join(lines) or _("You have no courses yet."),
            # Only the course's creator (an admin, for the school's) closes it, or adds tutors to it.
            "withdrawable": [(str(t.view.package.id), t.view.title) for t in taught if t.manageable],
            "manageable": [(str(t.view.course.id), t.view.title) for t in taught if t.manageable],
        }
    if school:
        on_sale = await school_packages(uow_factory(), rules, user_id=user_id)
    else:
        on_sale = await tutor_packages(uow_factory(), user_id=user_id)
    return {
        **modes,
        "lines": "\n".join(package_line(p) for p in on_sale) or _("You have no packages on sale yet."),
        "withdrawable": [(str(p.id), p.name) for p in on_sale],
        "manageable": [],
    }


async def _withdraw(event: CallbackQuery, widget: Any, manager: DialogManager, package_id: str) -> None:
    uow_factory, _clock = deps(manager)
    try:
        await withdraw_package(
            uow_factory(), rules_of(manager), user_id=user_id_of(manager), package_id=int(package_id)
        )
    except DomainError as error:
        await report(event, error)
        return
    await event.answer(_("Withdrawn from sale. Lessons already bought stay usable."))


def _keep(key: str, then: Any) -> Any:
    async def keep(event: Message | CallbackQuery, manager: DialogManager, value: Any) -> None:
        manager.dialog_data[key] = value
        await manager.switch_to(then)

    return keep


def _answer(parse: Any, key: str, then: Any) -> Answer:
    """A step answered by typing or by a button: `parse` checks it, the value is kept under `key`."""
    return parse_or_refuse(lambda _manager, text: parse(text), _keep(key, then))


def _price_of(manager: DialogManager, text: str) -> int:
    return check_price(parse_amount(text, str(manager.dialog_data["currency"])))


async def _new(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    course, school = _course_mode(manager), _school_mode(manager)
    manager.dialog_data.clear()
    manager.dialog_data.update(currency=await _currency(manager), course=course, school=school)
    # A school package or course has no tutor, so no currency of its own: the admin says which.
    await manager.switch_to(Packages.currency if school else Packages.subject if course else Packages.name)


async def _manage_tutors(event: CallbackQuery, widget: Any, manager: DialogManager, course_id: str) -> None:
    manager.dialog_data["course_id"] = int(course_id)
    await manager.switch_to(Packages.course_tutors)


async def _candidates_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    view, candidates = await tutors_who_could_teach(
        uow_factory,
        clock,
        rules_of(dialog_manager),
        user_id=user_id_of(dialog_manager),
        course_id=int(dialog_manager.dialog_data["course_id"]),
    )
    return {
        "title": view.title,
        "subject": view.course.subject,
        "none": not candidates,
        "candidates": [(str(t.id), t.display_name) for t in candidates],
    }


async def _tutor_added(event: CallbackQuery, widget: Any, manager: DialogManager, tutor_id: str) -> None:
    uow_factory, _clock = deps(manager)
    try:
        view = await add_course_tutor(
            uow_factory(),
            rules_of(manager),
            user_id=user_id_of(manager),
            course_id=int(manager.dialog_data["course_id"]),
            tutor_id=int(tutor_id),
        )
    except DomainError as error:
        await report(event, error)
        return
    count = len(view.tutor_ids)
    await event.answer(
        ngettext("✅ Added: {title} has {n} tutor now.", "✅ Added: {title} has {n} tutors now.", count).format(
            title=view.title, n=count
        )
    )
    await manager.switch_to(Packages.listing)


async def _to_school(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["school"] = True


async def _currency_given(event: Message | CallbackQuery, manager: DialogManager, currency: str) -> None:
    manager.dialog_data["currency"] = currency
    await manager.switch_to(Packages.subject if _course_mode(manager) else Packages.name)


async def _subject_typed(event: Message | CallbackQuery, manager: DialogManager, subjects: list[str]) -> None:
    """A school course's subject, typed by the admin (a tutor picks one of theirs instead)."""
    if not _school_mode(manager) or len(subjects) != 1:
        await report(event, ValidationError("course.one_subject" if _school_mode(manager) else "course.bad_subject"))
        return
    manager.dialog_data["subject"] = subjects[0]
    await manager.switch_to(Packages.name)


_currency_answer = parse_or_refuse(lambda _manager, text: normalize_currency(text), _currency_given)


async def _subjects_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    profile = await get_profile_of_user(uow_factory(), user_id_of(dialog_manager))
    subjects = profile.subjects if profile and not _school_mode(dialog_manager) else []
    return {
        "subjects": [(str(index), subject) for index, subject in enumerate(subjects)],
        "school": _school_mode(dialog_manager),
        "tutor": not _school_mode(dialog_manager),
    }


async def _subject_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, index: str) -> None:
    uow_factory, _clock = deps(manager)
    profile = await get_profile_of_user(uow_factory(), user_id_of(manager))
    subjects = profile.subjects if profile else []
    if int(index) >= len(subjects):
        raise StaleButton(index)
    manager.dialog_data["subject"] = subjects[int(index)]
    await manager.switch_to(Packages.name)


async def _on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and start_data.get("course"):
        manager.dialog_data["course"] = True
    if isinstance(start_data, dict) and start_data.get("school"):
        manager.dialog_data["school"] = True


async def _kind_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, kind: str) -> None:
    manager.dialog_data["kind"] = SessionType(kind).value
    await manager.switch_to(Packages.confirm)


def _spec(data: dict[str, Any]) -> PackageSpec:
    return PackageSpec(
        name=str(data["name"]),
        lessons=int(data["lessons"]),
        lesson_minutes=int(data["minutes"]),
        price_minor=int(data["price"]),
        currency=str(data["currency"]),
        validity_days=int(data["validity"]),
        session_type=SessionType(data["kind"]),
    )


async def _form_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    currency = str(data.get("currency", "EUR"))
    values: dict[str, Any] = {
        "lesson_choices": [(str(n), str(n)) for n in LESSON_CHOICES],
        "minute_choices": [(str(n), _("{n} min").format(n=n)) for n in MINUTE_CHOICES],
        "validity_choices": [(str(n), period(n)) for n in VALIDITY_CHOICES],
        "kinds": [(SessionType.ONE_TO_ONE.value, _("👤 1-to-1")), (SessionType.GROUP.value, _("👥 Group"))],
        "currencies": [(code, code) for code in QUICK_CURRENCIES],
        "currency": currency,
        "example": fmt_money(54000, currency, _locale()),
        "summary": "",
    }
    values["course"] = bool(data.get("course"))
    values["package"] = not values["course"]
    values["subject"] = str(data.get("subject", ""))
    if all(key in data for key in ("name", "lessons", "minutes", "price", "validity", "kind")):
        # The package (or course) as students will read it.
        values["summary"] = package_line(_spec(data))
    return values


async def _save(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    data = manager.dialog_data
    try:
        if _course_mode(manager):
            await define_course(
                uow_factory(),
                clock,
                rules_of(manager),
                user_id=user_id_of(manager),
                spec=_spec(data),
                subject=str(data["subject"]),
                reminder_days=DEFAULT_REMINDER_DAYS,
                school=_school_mode(manager),
            )
        else:
            await define_package(
                uow_factory(),
                clock,
                rules_of(manager),
                user_id=user_id_of(manager),
                spec=_spec(data),
                school=_school_mode(manager),
            )
    except DomainError as error:
        await report(event, error)
        return
    await event.answer(
        _("✅ Your course is open for enrollment.") if _course_mode(manager) else _("✅ Your package is on sale.")
    )
    await manager.switch_to(Packages.listing)


def _step(state: Any, question: Text, *keyboard: Any, answer: Answer) -> Window:
    return Window(
        question,
        *keyboard,
        typed_answer(answer),
        SwitchTo(Tr("◀️ Back to the list"), id=f"{state.state.split(':')[-1]}_back", state=Packages.listing),
        state=state,
        getter=_form_getter,
    )


def _choice_step(state: Any, question: Text, items: str, answer: Answer) -> Window:
    """A step answered by typing or by one of the usual answers (`items` in the window data)."""
    return _step(state, question, choice_buttons(f"{items}_buttons", items, answer), answer=answer)


def build_packages_dialog() -> Dialog:
    return Dialog(
        Window(
            Tr("📦 Your lesson packages", when="tutor_packages"),
            Tr("🏫 The school's lesson packages: any approved tutor's lessons accept them.", when="school"),
            Tr("🎓 Your courses. Share a course's link: students enroll through it.", when="tutor_courses"),
            Tr(
                "🏫 The school's courses. Give each its tutors; students enroll through its link.",
                when="school_courses",
            ),
            Format("\n{lines}"),
            Button(Tr("➕ New package"), id="new_package", on_click=_new, when="package"),
            Button(Tr("➕ New course"), id="new_course", on_click=_new, when="course"),
            Button(Tr("🏫 School packages"), id="to_school", on_click=_to_school, when="to_school_packages"),
            Button(Tr("🏫 School courses"), id="to_school_courses", on_click=_to_school, when="to_school_courses"),
            Column(pick("course_tutors", "manageable", _manage_tutors, parse=record_id, label="👥 {item[1]}")),
            Column(pick("withdraw", "withdrawable", _withdraw, parse=record_id, label="✖️ {item[1]}")),
            Cancel(Tr("Done")),
            state=Packages.listing,
            getter=_listing_getter,
        ),
        Window(
            Tr("👥 Who else teaches {title}? The approved {subject} tutors who do not yet:", when="candidates"),
            Tr("No other approved {subject} tutor charges in this course's currency yet.", when="none"),
            Column(pick("add_tutor", "candidates", _tutor_added, parse=record_id, label="➕ {item[1]}")),
            SwitchTo(Tr("◀️ Back to the list"), id="course_tutors_back", state=Packages.listing),
            state=Packages.course_tutors,
            getter=_candidates_getter,
        ),
        Window(
            Tr("🏫 New school package: in which currency do students pay for it?", when="package"),
            Tr("🏫 New school course: in which currency do students pay for it?", when="course"),
            Tr("Pick one, or type its three-letter code (for example SEK)."),
            choice_buttons("currency", "currencies", _currency_answer),
            typed_answer(_currency_answer),
            SwitchTo(Tr("◀️ Back to the list"), id="currency_back", state=Packages.listing),
            state=Packages.currency,
            getter=_form_getter,
        ),
        Window(
            Tr("🎓 New course: which of your subjects is it for?", when="tutor"),
            Tr("🎓 New school course: type its subject (for example Maths).", when="school"),
            Column(pick("subject", "subjects", _subject_chosen, parse=list_index)),
            typed_answer(parse_or_refuse(lambda _manager, text: parse_subjects(text), _subject_typed)),
            SwitchTo(Tr("◀️ Back to the list"), id="subject_back", state=Packages.listing),
            state=Packages.subject,
            getter=_subjects_getter,
        ),
        _step(
            Packages.name,
            Multi(
                Tr(
                    "📦 New package, step 1 of 6: its name, as students will see it (for example “Ten lessons”).",
                    when="package",
                ),
                Tr(
                    "🎓 New {subject} course, step 1 of 6: its title, as students will see it "
                    "(for example “Algebra I”).",
                    when="course",
                ),
            ),
            answer=_answer(clean_package_name, "name", Packages.lessons),
        ),
        _choice_step(
            Packages.lessons,
            Multi(
                Tr("Step 2 of 6: how many lessons does it hold?", when="package"),
                Tr("Step 2 of 6: how many sessions does the course have?", when="course"),
            ),
            "lesson_choices",
            _answer(parse_lessons, "lessons", Packages.minutes),
        ),
        _choice_step(
            Packages.minutes,
            Tr("Step 3 of 6: how long is each lesson, in minutes?"),
            "minute_choices",
            _answer(parse_lesson_minutes, "minutes", Packages.price),
        ),
        _step(
            Packages.price,
            Multi(
                Tr(
                    "Step 4 of 6: the price of the whole package in {currency} (for example {example}).", when="package"
                ),
                Tr(
                    "Step 4 of 6: the price of enrolling, for all its sessions, in {currency} (for example {example}).",
                    when="course",
                ),
            ),
            answer=parse_or_refuse(_price_of, _keep("price", Packages.validity)),
        ),
        _choice_step(
            Packages.validity,
            Multi(
                Tr("Step 5 of 6: for how many days after buying can its lessons be booked?", when="package"),
                Tr("Step 5 of 6: for how many days after enrolling can its sessions be booked?", when="course"),
            ),
            "validity_choices",
            _answer(parse_validity, "validity", Packages.kind),
        ),
        Window(
            Tr("Step 6 of 6: for 1-to-1 lessons or group lessons?"),
            Column(pick("kind", "kinds", _kind_chosen, parse=one_of(t.value for t in SessionType))),
            SwitchTo(Tr("◀️ Back to the list"), id="kind_back", state=Packages.listing),
            state=Packages.kind,
            getter=_form_getter,
        ),
        Window(
            Tr("📦 Your new package:", when="package"),
            Tr("🎓 Your new {subject} course:", when="course"),
            Format("\n{summary}"),
            Button(Tr("✅ Put it on sale"), id="save_package", on_click=_save, when="package"),
            Button(Tr("✅ Open it for enrollment"), id="save_course", on_click=_save, when="course"),
            SwitchTo(Tr("◀️ Back to the list"), id="confirm_back", state=Packages.listing),
            state=Packages.confirm,
            getter=_form_getter,
        ),
        on_start=_on_start,
    )
