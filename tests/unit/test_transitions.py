"""Entities change themselves: each move from each status is either legal (and sets what goes with it) or
refused, exactly as the transition tables say; a use case cannot make an illegal move by mistake."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from core.entities import (
    PARTICIPANT_MOVES,
    PAYMENT_MOVES,
    SESSION_MOVES,
    TUTOR_MOVES,
    IllegalTransition,
    Participant,
    Payment,
    TeachingSession,
    TutorProfile,
)
from core.enums import ParticipantStatus, PaymentStatus, SessionStatus, TutorStatus

NOW = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
EARLIER = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)

Move = Callable[[Any], Any]

SESSION: dict[str, tuple[SessionStatus, Move]] = {
    "start": (SessionStatus.IN_PROGRESS, lambda s: s.start(NOW, "session-7")),
    "complete": (SessionStatus.COMPLETED, lambda s: s.complete(NOW)),
    "cancel": (SessionStatus.CANCELLED, lambda s: s.cancel(NOW, "ill")),
    "tutor_no_show": (SessionStatus.NO_SHOW, lambda s: s.tutor_no_show(NOW)),
}
PARTICIPANT: dict[str, tuple[ParticipantStatus, Move]] = {
    "book": (ParticipantStatus.BOOKED, lambda p: p.book(NOW)),
    "cancel": (ParticipantStatus.CANCELLED, lambda p: p.cancel(NOW)),
    "expire": (ParticipantStatus.EXPIRED, lambda p: p.expire(NOW)),
    "absent": (ParticipantStatus.NO_SHOW, lambda p: p.absent(NOW)),
}
PAYMENT: dict[str, tuple[PaymentStatus, Move]] = {
    "pay": (PaymentStatus.PAID, lambda p: p.pay(NOW)),
    "expire": (PaymentStatus.EXPIRED, lambda p: p.expire(NOW)),
    "fail": (PaymentStatus.FAILED, lambda p: p.fail(NOW, "checkout failed")),
    "refund_pending": (PaymentStatus.REFUND_PENDING, lambda p: p.refund_pending(NOW)),
    "refunded": (PaymentStatus.REFUNDED, lambda p: p.refunded(NOW, "re_1")),
    "refund_failed": (PaymentStatus.REFUND_PENDING, lambda p: p.refund_failed(NOW, "re_1", "refund re_1 failed")),
}

TUTOR: dict[str, tuple[TutorStatus, Move]] = {
    "approve": (TutorStatus.APPROVED, lambda t: t.approve(99, NOW)),
    "reject": (TutorStatus.REJECTED, lambda t: t.reject(99, NOW)),
    "resubmit": (TutorStatus.PENDING, lambda t: t.resubmit(NOW)),
}


def _session(status: SessionStatus) -> TeachingSession:
    return TeachingSession(id=7, slot_id=1, tutor_id=1, status=status, created_at=EARLIER, updated_at=EARLIER)


def _participant(status: ParticipantStatus) -> Participant:
    return Participant(id=3, session_id=7, user_id=42, status=status, created_at=EARLIER, updated_at=EARLIER)


def _payment(status: PaymentStatus) -> Payment:
    return Payment(
        id=5,
        participant_id=3,
        amount_minor=6000,
        currency="EUR",
        status=status,
        last_error="earlier",
        created_at=EARLIER,
        updated_at=EARLIER,
    )


def _tutor(status: TutorStatus) -> TutorProfile:
    return TutorProfile(
        id=4,
        user_id=42,
        display_name="Ada",
        hourly_rate_minor=6000,
        currency="EUR",
        timezone="Europe/Paris",
        status=status,
        created_at=EARLIER,
        updated_at=EARLIER,
    )


CASES = [
    *[(_session, status, name, *SESSION[name], SESSION_MOVES) for status in SessionStatus for name in SESSION],
    *[
        (_participant, status, name, *PARTICIPANT[name], PARTICIPANT_MOVES)
        for status in ParticipantStatus
        for name in PARTICIPANT
    ],
    *[(_payment, status, name, *PAYMENT[name], PAYMENT_MOVES) for status in PaymentStatus for name in PAYMENT],
    *[(_tutor, status, name, *TUTOR[name], TUTOR_MOVES) for status in TutorStatus for name in TUTOR],
]


@pytest.mark.parametrize(
    ("make", "status", "name", "target", "move", "table"),
    CASES,
    ids=[f"{case[0].__name__[1:]}-{case[1]}-{case[2]}" for case in CASES],
)
def test_each_move_is_legal_exactly_where_the_table_says(
    make: Callable[[Any], Any], status: Any, name: str, target: Any, move: Move, table: Any
) -> None:
    entity = make(status)
    if status in table[name]:
        moved = move(entity)
        assert moved.status is target and moved.updated_at == NOW
        # A copy: the entity the use case read is left as it was.
        assert entity.status is status and entity.updated_at == EARLIER
    else:
        with pytest.raises(IllegalTransition):
            move(entity)


@pytest.mark.parametrize(
    ("moves", "table"),
    [(SESSION, SESSION_MOVES), (PARTICIPANT, PARTICIPANT_MOVES), (PAYMENT, PAYMENT_MOVES), (TUTOR, TUTOR_MOVES)],
)
def test_every_move_has_a_row_and_a_case(moves: dict[str, Any], table: Any) -> None:
    assert set(moves) == set(table)


def test_what_goes_with_each_move() -> None:
    started = _session(SessionStatus.SCHEDULED).start(NOW, "session-7")
    assert (started.started_at, started.channel_name) == (NOW, "session-7")
    assert _session(SessionStatus.IN_PROGRESS).complete(NOW).completed_at == NOW
    assert _session(SessionStatus.SCHEDULED).cancel(NOW, "ill").cancel_reason == "ill"
    assert _participant(ParticipantStatus.PENDING_PAYMENT).book(NOW).booked_at == NOW
    assert _participant(ParticipantStatus.BOOKED).cancel(NOW).cancelled_at == NOW
    assert _payment(PaymentStatus.PAID).refund_pending(NOW).next_refund_attempt_at == NOW
    refunded = _payment(PaymentStatus.REFUND_PENDING).refunded(NOW, "re_1")
    assert (refunded.refund_id, refunded.last_error) == ("re_1", None)
    assert _payment(PaymentStatus.PENDING).fail(NOW, "checkout failed").last_error == "checkout failed"
    # Stripe reports an accepted refund failed: owed again, one attempt more, under the failed refund's id.
    again = _payment(PaymentStatus.REFUNDED).refund_failed(NOW, "re_1", "refund re_1 failed")
    assert (again.status, again.refund_id, again.refund_attempts, again.next_refund_attempt_at) == (
        PaymentStatus.REFUND_PENDING,
        "re_1",
        1,
        NOW,
    )
    with pytest.raises(IllegalTransition):
        _payment(PaymentStatus.PAID).refund_failed(NOW, "re_1", "x")
    approved = _tutor(TutorStatus.PENDING).approve(99, NOW)
    assert (approved.reviewed_by, approved.reviewed_at) == (99, NOW)
    assert _tutor(TutorStatus.PENDING).reject(99, NOW).reviewed_by == 99


@pytest.mark.parametrize(
    "move",
    [
        lambda: _session(SessionStatus.COMPLETED).cancel(NOW, None),
        lambda: _session(SessionStatus.CANCELLED).start(NOW, "session-7"),
        lambda: _session(SessionStatus.NO_SHOW).complete(NOW),
        lambda: _participant(ParticipantStatus.CANCELLED).book(NOW),
        lambda: _participant(ParticipantStatus.NO_SHOW).cancel(NOW),
        lambda: _payment(PaymentStatus.REFUNDED).pay(NOW),
        lambda: _payment(PaymentStatus.PAID).expire(NOW),
        lambda: _payment(PaymentStatus.REFUND_PENDING).refund_pending(NOW),
    ],
    ids=[
        "cancel-completed",
        "start-cancelled",
        "complete-no-show",
        "rebook-cancelled",
        "cancel-no-show",
        "pay-refunded",
        "expire-paid",
        "refund-twice",
    ],
)
def test_moves_that_would_lose_or_double_money_or_seats_are_refused(move: Callable[[], Any]) -> None:
    with pytest.raises(IllegalTransition):
        move()
