"""A tutor fills in the profile step by step, and admins approve or reject new tutors."""

from app.wiring import TutorBot
from core.enums import TutorStatus
from core.usecases.tutor_profiles import get_profile_of_user
from testkit import FakeTelegram, FakeUser, Typed
from tests.e2e.conftest import AppFactory
from tests.e2e.helpers import forge_press
from tests.e2e.shop import finish_profile_in_euros, onboard_tutor

ADMIN = 9001


async def fill_profile(user: FakeUser) -> None:
    await user.walk(
        (Typed("Marie Curie"), "which subjects do you teach?"),
        (Typed("Physics, chemistry ,physics"), "in which currency"),
    )
    summary = await finish_profile_in_euros(user, "45,50", "10 min", "24 h")
    assert "Name: Marie Curie" in summary.text
    assert "Subjects: Physics, chemistry" in summary.text
    assert "€45.50 per hour" in summary.text
    assert "Europe/Paris" in summary.text
    assert "10 minutes" in summary.text
    assert "up to 24 hours before the start" in summary.text


async def test_a_tutor_fills_the_profile_with_mistakes_along_the_way(app: TutorBot, telegram: FakeTelegram) -> None:
    marie = telegram.user(2001, "Marie")
    await onboard_tutor(marie)
    # The Telegram name is offered.
    assert "✅ Marie" in marie.last.button_labels
    await marie.walk(
        (Typed("x"), "The name must be 2 to 64 characters long."),
        (Typed("Marie Curie"), "which subjects do you teach?"),
        (Typed(" , ; "), "Type at least one subject"),
        (Typed("Physics, chemistry ,physics"), "in which currency"),
        (Typed("doubloons"), "I can't take payments in “doubloons”"),
        (Typed("jpy"), "your hourly rate in JPY?"),
        (Typed("4500.5"), "This currency has no cents"),
        (Typed("lots"), "“lots” is not an amount"),
        ("💱 Change currency", "in which currency"),
        ("EUR", "your hourly rate in EUR?"),
        (Typed("45,50"), "the time zone of your lessons"),
    )
    await marie.press("🕒 Change")
    await marie.walk(
        (Typed("Nowhere/Land"), "I don't know the time zone"),
        (Typed("Europe/Berlin"), "how long a break"),
        (Typed("500"), "The break must be between 0 and 120 minutes."),
        (Typed("20 min"), "until when may students cancel"),
        (Typed("soon"), "Type tiers such as “24h 100%, 2h 50%”"),
        # Tiers that give back more later are refused.
        (Typed("24h 50%, 2h 100%"), "each less than the one before"),
        (Typed("48h 100%, 12h 50%"), "how long before a start may students still book"),
        (Typed("lots"), "Type a whole number"),
        (Typed("900h"), "The booking notice is at most 168 hours."),
    )
    await marie.send("90 min")
    summary = await marie.wait_for("Your tutor profile\n")
    assert "Europe/Berlin" in summary.text and "20 minutes" in summary.text
    assert "Cancellation: full refund up to 48 hours before the start; 50% back up to 12 hours before the start;" in (
        summary.text
    )
    assert "Bookings: up to 90 minutes before the start" in summary.text
    # Change one answer from the summary: back to the summary right after.
    await marie.press("✏️ Rate")
    await marie.send("60")
    summary = await marie.wait_for("Your tutor profile\n")
    assert "€60.00 per hour" in summary.text
    profile = await get_profile_of_user(app.components.services.uow_factory(), 2001)
    assert profile is None  # nothing is saved before "Save"
    await marie.press("✅ Save")
    await marie.wait_for("Your tutor profile is saved")
    profile = await get_profile_of_user(app.components.services.uow_factory(), 2001)
    assert profile is not None
    assert profile.display_name == "Marie Curie"
    assert profile.subjects == ["Physics", "chemistry"]
    assert (profile.hourly_rate_minor, profile.currency) == (6000, "EUR")
    assert (profile.timezone, profile.buffer_minutes, profile.cancellation_notice_hours) == ("Europe/Berlin", 20, 48)
    assert (profile.refund_policy, profile.booking_notice_minutes) == ("48:100,12:50", 90)
    assert profile.status is TutorStatus.APPROVED  # no admins configured


async def test_admins_approve_new_tutors_and_only_admins_can(app_factory: AppFactory, telegram: FakeTelegram) -> None:
    async with app_factory(ADMIN_IDS=f"{ADMIN},{ADMIN + 1}") as app:
        marie = telegram.user(2002, "Marie", username="mcurie")
        await onboard_tutor(marie)
        await fill_profile(marie)
        await marie.press("✅ Save")
        await marie.wait_for("An admin will review your profile")

        admin = telegram.user(ADMIN, "Ada")
        other_admin = telegram.user(ADMIN + 1, "Alan", language_code="fr")
        review = await admin.wait_for("A new tutor waits for your review")
        assert "Marie Curie (@mcurie)" in review.text and "Physics, chemistry" in review.text
        assert review.button_labels == ["✅ Approve", "❌ Reject"]
        await other_admin.wait_for(lambda m: "✅" in " ".join(m.button_labels))

        # A student who forges the admin's button is refused and nothing changes.
        mallory = telegram.user(2003, "Mallory")
        forged = await forge_press(telegram, mallory, review.button("✅ Approve")["callback_data"])
        assert forged.text == "Only an admin can review tutors."
        profile = await get_profile_of_user(app.components.services.uow_factory(), 2002)
        assert profile is not None and profile.status is TutorStatus.PENDING

        await admin.press("✅ Approve")
        answer = await admin.wait_for_callback_answer()
        assert answer.text == "✅ Approved"
        decided = await admin.wait_for("✅ Approved: Marie Curie")
        assert decided.button_labels == []
        await marie.wait_for("Your tutor profile is approved")
        profile = await get_profile_of_user(app.components.services.uow_factory(), 2002)
        assert profile is not None and profile.status is TutorStatus.APPROVED and profile.reviewed_by == ADMIN

        # The other admin's button is now stale.
        await other_admin.press("❌")
        late = await other_admin.wait_for_callback_answer()
        assert late.text is not None and "déjà" in late.text


async def test_a_rejected_tutor_is_told_and_an_admin_tutor_needs_no_review(
    app_factory: AppFactory, telegram: FakeTelegram
) -> None:
    async with app_factory(ADMIN_IDS=str(ADMIN)) as app:
        marie = telegram.user(2004, "Marie")
        await onboard_tutor(marie)
        await fill_profile(marie)
        await marie.press("✅ Save")
        admin = telegram.user(ADMIN, "Ada")
        await admin.wait_for("A new tutor waits for your review")
        await admin.press("❌ Reject")
        await admin.wait_for("❌ Rejected: Marie Curie")
        await marie.wait_for("Your tutor profile was not approved")

        await onboard_tutor(admin)
        await fill_profile(admin)
        await admin.press("✅ Save")
        await admin.wait_for("Your tutor profile is saved")
        profile = await get_profile_of_user(app.components.services.uow_factory(), ADMIN)
        assert profile is not None and profile.status is TutorStatus.APPROVED
