"""Use cases about tutor profiles: filling one in, and an admin's review."""

from dataclasses import dataclass, replace
from datetime import datetime

from core.clock import Clock
from core.entities import TutorProfile
from core.enums import TutorStatus
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.money import normalize_currency
from core.notifications import TutorApproved, TutorRejected, TutorReviewRequested
from core.ports import UnitOfWork
from core.refund_policy import parse_policy
from core.rules import BusinessRules
from core.timezones import normalize_zone
from core.tutor_profile_rules import (
    check_hourly_rate,
    clean_display_name,
    parse_booking_notice,
    parse_buffer_minutes,
    parse_notice_hours,
    parse_subjects,
)
from core.usecases.outbox import notify


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileDraft:
    """What the tutor entered; every field is checked again here whatever the dialog did."""

    display_name: str
    subjects: list[str]
    hourly_rate_minor: int
    currency: str
    timezone: str
    buffer_minutes: int
    cancellation_notice_hours: int
    # The tiers of what comes back when a student cancels (core.refund_policy's text); None: a full refund
    # until `cancellation_notice_hours`, nothing after.
    refund_policy: str | None = None
    # None: a new profile takes the operator's default, an existing one keeps its own.
    booking_notice_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class SavedProfile:
    profile: TutorProfile
    # True when the profile now waits for an admin (a new tutor, or a rejected one who edited).
    awaiting_review: bool


def _checked(draft: ProfileDraft) -> ProfileDraft:
    if not draft.subjects:
        raise ValidationError("profile.subjects_empty")
    currency = normalize_currency(draft.currency)
    policy = parse_policy(draft.refund_policy) if draft.refund_policy else None
    return ProfileDraft(
        display_name=clean_display_name(draft.display_name),
        subjects=parse_subjects("\n".join(draft.subjects)),
        hourly_rate_minor=check_hourly_rate(draft.hourly_rate_minor, currency),
        currency=currency,
        timezone=normalize_zone(draft.timezone),
        buffer_minutes=parse_buffer_minutes(str(draft.buffer_minutes)),
        # With tiers, the notice is theirs to say: the hours of full refund.
        cancellation_notice_hours=policy.full_refund_hours
        if policy is not None
        else parse_notice_hours(str(draft.cancellation_notice_hours)),
        refund_policy=policy.encode() if policy is not None else None,
        booking_notice_minutes=(
            None
            if draft.booking_notice_minutes is None
            else parse_booking_notice(f"{draft.booking_notice_minutes} min")
        ),
    )


async def get_profile_of_user(uow: UnitOfWork, user_id: int) -> TutorProfile | None:
    async with uow:
        return await uow.tutors.get_by_user(user_id)


async def save_tutor_profile(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, draft: ProfileDraft
) -> SavedProfile:
    """Create or update the tutor's profile; a profile that needs review is sent to every admin."""
    clean = _checked(draft)
    now = clock.now()
    async with uow:
        if await uow.users.get(user_id) is None:
            raise NotFound("user.not_found")
        existing = await uow.tutors.get_by_user(user_id)
        approved_at_once = not rules.admin_ids or rules.is_admin(user_id)
        fields = {
            "display_name": clean.display_name,
            "subjects": clean.subjects,
            "hourly_rate_minor": clean.hourly_rate_minor,
            "currency": clean.currency,
            "timezone": clean.timezone,
            "buffer_minutes": clean.buffer_minutes,
            "cancellation_notice_hours": clean.cancellation_notice_hours,
            "refund_policy": clean.refund_policy,
            "booking_notice_minutes": (
                clean.booking_notice_minutes
                if clean.booking_notice_minutes is not None
                else existing.booking_notice_minutes
                if existing is not None
                else rules.booking_notice_minutes
            ),
        }
        if existing is None:
            status = TutorStatus.APPROVED if approved_at_once else TutorStatus.PENDING
            profile = await uow.tutors.add(
                TutorProfile(
                    user_id=user_id,
                    status=status,
                    reviewed_by=user_id if approved_at_once and rules.admin_ids else None,
                    reviewed_at=now if approved_at_once else None,
                    created_at=now,
                    updated_at=now,
                    **fields,  # type: ignore[arg-type]
                )
            )
            needs_review = status is TutorStatus.PENDING
        else:
            profile = existing
            if existing.status is TutorStatus.REJECTED:
                profile = existing.resubmit(now)
                if approved_at_once:
                    profile = profile.approve(user_id if rules.admin_ids else None, now)
            needs_review = profile.status is TutorStatus.PENDING and existing.status is not TutorStatus.PENDING
            profile = replace(profile, updated_at=now, **fields)  # type: ignore[arg-type]
            await uow.tutors.update(profile)
            if profile.booking_notice_minutes != existing.booking_notice_minutes:
                await uow.slots.set_book_by(profile.id, profile.booking_notice_minutes, now)
        if needs_review:
            await _request_review(uow, profile, rules.admin_ids, now)
        await uow.commit()
    return SavedProfile(profile=profile, awaiting_review=profile.status is TutorStatus.PENDING)


async def _request_review(uow: UnitOfWork, profile: TutorProfile, admin_ids: frozenset[int], now: datetime) -> None:
    user = await uow.users.get(profile.user_id)
    request = TutorReviewRequested(
        tutor_id=profile.id,
        user_id=profile.user_id,
        username=user.username if user else None,
        display_name=profile.display_name,
        subjects=tuple(profile.subjects),
        hourly_rate_minor=profile.hourly_rate_minor,
        currency=profile.currency,
        timezone=profile.timezone,
    )
    # Admins are addressed by id: an admin need not have written to the bot before.
    for admin_id in sorted(admin_ids):
        await notify(uow, admin_id, request, f"tutor-review:{profile.id}:{admin_id}:{now.isoformat()}", now)


async def review_tutor(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, admin_id: int, tutor_id: int, approve: bool
) -> TutorProfile:
    """An admin approves or rejects a pending tutor; the tutor is told. A second review is a Conflict."""
    if not rules.is_admin(admin_id):
        raise Forbidden("tutor_review.not_admin")
    now = clock.now()
    new = TutorStatus.APPROVED if approve else TutorStatus.REJECTED
    async with uow:
        profile = await uow.tutors.get(tutor_id)
        if profile is None:
            raise NotFound("tutor.not_found")
        # Conditional on PENDING so that two admins pressing at once cannot both decide.
        if not await uow.tutors.set_status_if(tutor_id, TutorStatus.PENDING, new, admin_id, now):
            raise Conflict("tutor_review.already_done", status=profile.status.value)
        verdict = TutorApproved(tutor_id=tutor_id) if approve else TutorRejected(tutor_id=tutor_id)
        await notify(uow, profile.user_id, verdict, f"tutor-reviewed:{tutor_id}:{now.isoformat()}", now)
        await uow.commit()
    return profile.approve(admin_id, now) if approve else profile.reject(admin_id, now)
