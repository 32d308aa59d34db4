"""A French tutor and a French student walk the screens they use most, and no English reaches them:
onboarding, the whole tutor profile (its summary included), the week and the add-slot steps, /help and
/settings; booking, the pay screen, the confirmation, /mybookings and the room. Labels are found through
the French catalog, so a message the catalog lacks shows up twice: as English on screen, and as a button
the test cannot find."""

import re
from collections.abc import Callable
from datetime import date

from aiogram.utils.i18n import I18n
from babel.dates import format_date

from l10n.catalogs import build_i18n
from testkit import BotMessage, ChatEvent, FakeTelegram, FakeUser
from tests.e2e.shop import Shop

# Common English words that French does not use, and the bot's own English labels.
ENGLISH = frozenset(
    [
        "the",
        "your",
        "you",
        "and",
        "with",
        "this",
        "that",
        "is",
        "are",
        "will",
        "for",
        "to",
        "of",
        "by",
        "from",
        "at",
        "it",
        "be",
        "have",
        "has",
        "not",
        "what",
        "when",
        "which",
        "who",
        "how",
        "here",
        "name",
        "rate",
        "break",
        "subjects",
        "currency",
        "cancellation",
        "save",
        "back",
        "next",
        "previous",
        "cancel",
        "book",
        "pay",
        "join",
        "files",
        "history",
        "close",
        "week",
        "add",
        "delete",
        "change",
        "share",
        "copy",
        "clear",
        "slot",
        "slots",
        "booking",
        "bookings",
        "booked",
        "free",
        "keep",
        "days",
        "day",
        "hours",
        "hour",
        "student",
        "students",
        "tutor",
        "tutors",
        "lesson",
        "seat",
        "seats",
        "held",
        "until",
        "paid",
        "released",
        "calendar",
        "reminder",
        "started",
        "over",
        "done",
        "live",
        "now",
        "upcoming",
        "past",
        "earlier",
        "current",
        "session",
        "sessions",
        "yes",
        "all",
        "only",
        "off",
    ]
)
# What the people typed themselves, and names that are the same in every language.
OWN_WORDS = {"zoé", "martin", "physique", "léa", "google", "tutorbot", "utc", "eur"}
_I18N: I18n = build_i18n("en")


def fr(text: str) -> str:
    return _I18N.gettext(text, locale="fr")


def english_in(events: list[ChatEvent]) -> list[str]:
    found = []
    for event in events:
        message = event.message
        for part in (message.text, *message.button_labels):
            cleaned = re.sub(r"https?://\S+|/\w+|@\w+|\{\w*\}", " ", part)
            words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+", cleaned)} - OWN_WORDS
            if words & ENGLISH:
                found.append(f"{sorted(words & ENGLISH)} in {part!r}")
    return found


def offering(label: str) -> Callable[[BotMessage], bool]:
    return lambda message: label in message.button_labels


def day_fr(day: date) -> str:
    return format_date(day, "EEE d MMM", locale="fr")


async def onboard(person: FakeUser, role: str) -> None:
    await person.send("/start")
    await person.wait_for("Bienvenue")
    await person.send("Europe/Paris")
    await person.wait_for(fr("How will you use Tutorbot?"))
    await person.press(fr(role))


async def test_a_french_tutor_and_student_see_no_english(shop: Shop, telegram: FakeTelegram) -> None:
    zoe = telegram.user(9701, "Zoé", language_code="fr")
    await onboard(zoe, "🧑‍🏫 I teach")
    await zoe.wait_for(fr("🧑‍🏫 Your tutor profile: step 1 of {steps}.").split("{")[0])
    await zoe.send("Zoé Martin")
    await zoe.wait_for(fr("Step 2 of {steps}: which subjects do you teach?").split(": ")[-1][:20])
    await zoe.send("Physique")
    await zoe.wait_for(fr("Step 3 of {steps}: in which currency do students pay you?").split(": ")[-1][:20])
    await zoe.press("EUR")
    await zoe.wait_for("EUR ?")
    await zoe.send("40")
    await zoe.wait_for(fr("Step 4 of {steps}: the time zone of your lessons.").split(": ")[-1][:20])
    await zoe.press(fr("✅ Keep it"))
    await zoe.wait_for(fr("Step 5 of {steps}: how long a break do you want between two sessions?").split(": ")[-1][:20])
    await zoe.send("10")
    await zoe.wait_for(
        fr("Step 6 of {steps}: until when may students cancel a booking (with a full refund)?").split(": ")[-1][:20]
    )
    await zoe.send("24")
    await zoe.wait_for(
        fr("Step 7 of {steps}: how long before a start may students still book? Later times are not offered.").split(
            ": "
        )[-1][:20]
    )
    await zoe.send("2")
    summary = await zoe.wait_for(fr("Save it, or change any answer first."))
    labels = ("✏️ Name", "✏️ Subjects", "✏️ Rate", "✏️ Currency", "✏️ Time zone", "✏️ Break", "✏️ Cancellation")
    for label in (*labels, "✏️ Booking notice"):
        assert fr(label) in summary.button_labels, label
    await zoe.press(fr("✅ Save"))
    await zoe.wait_for(fr("✅ Your tutor profile is saved. Send /help to see what you can do next.")[:25])
    await zoe.press(fr("👍 OK"))
    await zoe.send("/availability")
    await zoe.wait_for(fr("🕒 Times in {zone}").split("{")[0])
    await zoe.press(fr("➕ Add a slot"))
    await zoe.wait_for(fr("📅 On which day? (times in {zone})").split("(")[0])
    await zoe.press(day_fr(date(2026, 3, 23)))
    await zoe.wait_for("16:00")
    await zoe.send("16:00")
    await zoe.wait_for(offering("60 min"))
    await zoe.press("60 min")
    await zoe.wait_for(offering(fr("👤 1-to-1")))
    await zoe.press(fr("👤 1-to-1"))
    await zoe.wait_for(fr("✅ Slot added: {day}, {time}.").split("{")[0])
    await zoe.send("/help")
    await zoe.wait_for("/availability")
    await zoe.send("/settings")
    await zoe.wait_for(offering(fr("🧑‍🏫 Tutor profile")))

    lea = telegram.user(9702, "Léa", language_code="fr")
    await onboard(lea, "🎓 I want to learn")
    await lea.send("/book")
    await lea.wait_for(fr("🔎 Which subject?"))
    await lea.press("Physique (1)")
    await lea.wait_for("Zoé Martin")
    await lea.press("🧑‍🏫 Zoé Martin")
    await lea.wait_for(offering("•23"))
    await lea.press("•23")
    day = await lea.wait_for(fr("🕒 Times in {zone}. Pick one:").split("{")[0])
    await lea.press(day.button_labels[0])
    await lea.wait_for(fr("📝 Your booking"))
    await lea.press(fr("✅ Book"))
    await lea.wait_for(lambda m: any(label.startswith(fr("💳 Pay {price}").split("{")[0]) for label in m.button_labels))
    await shop.stripe.pay(next(iter(shop.stripe.sessions)))
    await lea.wait_for(fr("✅ Session booked!"))
    await lea.send("/mybookings")
    listing = await lea.wait_for(fr("Upcoming"))
    room = next(label for label in listing.button_labels if label.startswith("📂"))
    await lea.press(room, message=listing)
    await lea.wait_for("📂")
    await lea.press(fr("📎 Files ({file_count})").format(file_count=0))
    await lea.wait_for(fr("📎 Files: tap one to get it."))

    assert english_in(zoe.events) == []
    assert english_in(lea.events) == []
