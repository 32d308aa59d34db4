"""How courses read: in lists, on their card, on buttons."""

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.telegram_limits import BUTTON_TEXT_BYTES, shorten_bytes
from bot.texts.periods import period
from core.courses import CourseView, Enrollment
from core.usecases.courses import TaughtCourse
from l10n.formatting import fmt_date, fmt_money


def _locale() -> str:
    return get_i18n().current_locale


def _fit(label: str, name: str) -> str:
    """`label` with `{name}` filled in, the name shortened so that the button stays within its 64 bytes."""
    room = BUTTON_TEXT_BYTES - len(label.format(name="").encode())
    return label.format(name=shorten_bytes(name, room))


def course_line(view: CourseView) -> str:
    """ "🎓 Algebra I (Maths): 8 sessions of 60 min for €400.00, valid 180 days"."""
    package = view.package
    return "🎓 " + ngettext(
        "{name} ({subject}): {n} session of {minutes} min for {price}, valid {period}",
        "{name} ({subject}): {n} sessions of {minutes} min for {price}, valid {period}",
        package.lessons,
    ).format(
        name=view.title,
        subject=view.course.subject,
        n=package.lessons,
        minutes=package.lesson_minutes,
        price=fmt_money(package.price_minor, package.currency, _locale()),
        period=period(package.validity_days),
    )


def course_button(view: CourseView) -> str:
    return _fit("🎓 {name}", view.title)


def enroll_button(view: CourseView) -> str:
    """On the course's own card: "✅ Enroll · €400.00"."""
    return _("✅ Enroll · {price}").format(price=fmt_money(view.package.price_minor, view.package.currency, _locale()))


def course_session_button(enrollment: Enrollment) -> str:
    """ "🎓 Book session 3 of 8"."""
    return _("🎓 Book session {n} of {total}").format(
        n=enrollment.next_session, total=enrollment.balance.purchase.lessons
    )


def enrollment_line(enrollment: Enrollment, zone: str) -> str:
    """ "🎓 Algebra I: session 3 of 8 next, 6 left to book, valid until 16 September 2026"."""
    purchase = enrollment.balance.purchase
    assert purchase.expires_at is not None
    return "🎓 " + ngettext(
        "{name}: session {next} of {n} next, {left} left to book by {date}",
        "{name}: session {next} of {n} next, {left} left to book by {date}",
        enrollment.balance.left,
    ).format(
        name=purchase.name,
        next=enrollment.next_session,
        n=purchase.lessons,
        left=enrollment.balance.left,
        date=fmt_date(purchase.expires_at, zone, _locale()),
    )


def taught_course_entry(taught: TaughtCourse, link: str) -> str:
    """A tutor's course: what it is, its enrollment link, and who has yet to schedule a session."""
    lines = [course_line(taught.view), "   🔗 " + link]
    if len(taught.tutor_names) > 1:
        lines.append("   🧑‍🏫 " + _("Taught by {tutors}").format(tutors=", ".join(taught.tutor_names)))
    if taught.unscheduled:
        waiting = ", ".join(
            ngettext("{name} ({n} left)", "{name} ({n} left)", balance.left).format(
                name=student.first_name, n=balance.left
            )
            for student, balance in taught.unscheduled
        )
        lines.append("   ⏳ " + _("Enrolled, no session booked: {students}").format(students=waiting))
    return "\n".join(lines)
