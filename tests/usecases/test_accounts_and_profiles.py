"""Use cases of onboarding and tutor review, on a real (SQLite) database."""

import pytest

from core.enums import Role, TutorStatus
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.notifications import NotificationKind
from core.rules import BusinessRules
from core.usecases.accounts import register_user, set_language, set_role, set_timezone
from core.usecases.tutor_profiles import ProfileDraft, get_profile_of_user, review_tutor, save_tutor_profile
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock

ADMIN = 900


def draft(**changes: object) -> ProfileDraft:
    values: dict[str, object] = {
        "display_name": "Marie Curie",
        "subjects": ["Physics", "Chemistry"],
        "hourly_rate_minor": 6000,
        "currency": "eur",
        "timezone": "europe/paris",
        "buffer_minutes": 15,
        "cancellation_notice_hours": 24,
    }
    values.update(changes)
    return ProfileDraft(**values)  # type: ignore[arg-type]


async def pending_notifications(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock) -> list[tuple[int, str]]:
    async with uow_factory() as uow:
        heads = await uow.outbox.due_heads(clock.now(), 100)
    return [(m.recipient_id, m.kind) for m in heads]


async def new_user(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, user_id: int = 1, lang: str | None = "fr-FR"
) -> None:
    await register_user(
        uow_factory(),
        clock,
        user_id=user_id,
        first_name="Marie",
        username="marie",
        telegram_language=lang,
        default_language="en",
    )


async def test_first_contact_takes_the_telegram_language_when_supported(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await new_user(uow_factory, clock, 1, "fr-FR")
    await new_user(uow_factory, clock, 2, "de")
    async with uow_factory() as uow:
        french, german = await uow.users.get(1), await uow.users.get(2)
    assert french is not None and french.language == "fr"
    assert german is not None and german.language == "en"
    assert not french.onboarded


async def test_a_second_start_keeps_the_chosen_language_and_refreshes_names(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await new_user(uow_factory, clock)
    await set_language(uow_factory(), clock, user_id=1, language="en")
    user = await register_user(
        uow_factory(),
        clock,
        user_id=1,
        first_name="Maria",
        username=None,
        telegram_language="fr",
        default_language="en",
    )
    assert (user.language, user.first_name, user.username) == ("en", "Maria", None)


async def test_time_zone_and_role(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await new_user(uow_factory, clock)
    user = await set_timezone(uow_factory(), clock, user_id=1, zone=" america/new york ")
    assert user.timezone == "America/New_York"
    with pytest.raises(ValidationError) as bad_zone:
        await set_timezone(uow_factory(), clock, user_id=1, zone="Mars/Olympus")
    assert bad_zone.value.code == "timezone.unknown"
    with pytest.raises(ValidationError):
        await set_role(uow_factory(), clock, user_id=1, role="teacher")
    user = await set_role(uow_factory(), clock, user_id=1, role="both")
    assert user.role is Role.BOTH and user.onboarded and user.timezone == "America/New_York"
    with pytest.raises(NotFound):
        await set_role(uow_factory(), clock, user_id=404, role="student")


async def test_without_admins_a_tutor_is_approved_at_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await new_user(uow_factory, clock)
    saved = await save_tutor_profile(uow_factory(), clock, BusinessRules(), user_id=1, draft=draft())
    assert not saved.awaiting_review
    profile = await get_profile_of_user(uow_factory(), 1)
    assert profile is not None
    assert profile.status is TutorStatus.APPROVED
    assert (profile.currency, profile.timezone, profile.subjects) == ("EUR", "Europe/Paris", ["Physics", "Chemistry"])
    assert await pending_notifications(uow_factory, clock) == []


async def test_with_admins_a_new_tutor_waits_and_every_admin_is_asked(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    rules = BusinessRules(admin_ids=frozenset({ADMIN, ADMIN + 1}))
    await new_user(uow_factory, clock)
    saved = await save_tutor_profile(uow_factory(), clock, rules, user_id=1, draft=draft())
    assert saved.awaiting_review
    assert sorted(await pending_notifications(uow_factory, clock)) == [
        (ADMIN, NotificationKind.TUTOR_REVIEW_REQUESTED),
        (ADMIN + 1, NotificationKind.TUTOR_REVIEW_REQUESTED),
    ]
    # Editing while pending does not ask the admins again.
    await save_tutor_profile(uow_factory(), clock, rules, user_id=1, draft=draft(hourly_rate_minor=5000))
    assert len(await pending_notifications(uow_factory, clock)) == 2


async def test_an_admin_becoming_a_tutor_is_approved_at_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    rules = BusinessRules(admin_ids=frozenset({ADMIN}))
    await new_user(uow_factory, clock, ADMIN)
    saved = await save_tutor_profile(uow_factory(), clock, rules, user_id=ADMIN, draft=draft())
    assert saved.profile.status is TutorStatus.APPROVED
    assert await pending_notifications(uow_factory, clock) == []


async def test_review_is_for_admins_once_and_tells_the_tutor(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    rules = BusinessRules(admin_ids=frozenset({ADMIN}))
    await new_user(uow_factory, clock)
    saved = await save_tutor_profile(uow_factory(), clock, rules, user_id=1, draft=draft())
    tutor_id = saved.profile.id
    with pytest.raises(Forbidden):
        await review_tutor(uow_factory(), clock, rules, admin_id=1, tutor_id=tutor_id, approve=True)
    with pytest.raises(NotFound):
        await review_tutor(uow_factory(), clock, rules, admin_id=ADMIN, tutor_id=tutor_id + 50, approve=True)
    profile = await review_tutor(uow_factory(), clock, rules, admin_id=ADMIN, tutor_id=tutor_id, approve=False)
    assert profile.status is TutorStatus.REJECTED
    with pytest.raises(Conflict):
        await review_tutor(uow_factory(), clock, rules, admin_id=ADMIN, tutor_id=tutor_id, approve=True)
    stored = await get_profile_of_user(uow_factory(), 1)
    assert stored is not None and stored.status is TutorStatus.REJECTED and stored.reviewed_by == ADMIN
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 4)]
    assert [(m.recipient_id, m.kind) for m in messages if m] == [
        (ADMIN, NotificationKind.TUTOR_REVIEW_REQUESTED),
        (1, NotificationKind.TUTOR_REJECTED),
    ]
    # A rejected tutor who edits the profile is reviewed again.
    clock.advance(minutes=5)
    again = await save_tutor_profile(uow_factory(), clock, rules, user_id=1, draft=draft(display_name="M. Curie"))
    assert again.awaiting_review


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"display_name": "x"}, "profile.name_length"),
        ({"subjects": []}, "profile.subjects_empty"),
        ({"currency": "XYZ"}, "currency.unsupported"),
        ({"hourly_rate_minor": 10**9}, "profile.rate_range"),
        ({"timezone": "Nowhere/City"}, "timezone.unknown"),
        ({"buffer_minutes": 500}, "profile.buffer_range"),
        ({"cancellation_notice_hours": -1}, "profile.notice_range"),
    ],
)
async def test_a_bad_profile_changes_nothing(
    uow_factory: SqlUnitOfWorkFactory, changes: dict[str, object], code: str
) -> None:
    clock = FixedClock()
    await new_user(uow_factory, clock)
    with pytest.raises(ValidationError) as caught:
        await save_tutor_profile(uow_factory(), clock, BusinessRules(), user_id=1, draft=draft(**changes))
    assert caught.value.code == code
    assert await get_profile_of_user(uow_factory(), 1) is None
