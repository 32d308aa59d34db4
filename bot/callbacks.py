"""Callback data of buttons that live outside dialogs (on notifications). Every handler re-checks who
pressed: the data can be forged by anyone."""

from typing import Annotated, Literal, Self

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.button_values import MAX_RECORD_ID

# A forged value out of these bounds fails to parse: the button's handler never sees it, and the person
# is told the button is no longer active (bot.handlers.fallback).
RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]
# 0 where the id is optional.
OptionalRecordId = Annotated[int, Field(ge=0, le=MAX_RECORD_ID)]


class TutorReview(CallbackData, prefix="review"):
    tutor_id: RecordId
    approve: bool


class CancelBooking(CallbackData, prefix="cxb"):
    participant_id: RecordId
    confirm: bool = False


class CancelSessionStart(CallbackData, prefix="cxs"):
    session_id: RecordId


class LiveSession(CallbackData, prefix="live"):
    session_id: RecordId
    # "start", "view" (refresh who is here) or "end".
    action: Literal["start", "view", "end"]


class OpenRoom(CallbackData, prefix="room"):
    session_id: RecordId
    chat: bool = False
    # The participation a 1-to-1 room belongs to (0: the person's own, or the tutor's current student).
    participant_id: OptionalRecordId = 0

    @classmethod
    def unpack(cls, value: str) -> Self:
        # Buttons sent before rooms belonged to a participation carry two values: still valid.
        if value.count(cls.__separator__) == 2:
            value += f"{cls.__separator__}0"
        return super().unpack(value)


class JoinSession(CallbackData, prefix="join"):
    """A fresh join link for a live session (the tutor or a booked participant)."""

    session_id: RecordId


class RefundCredits(CallbackData, prefix="rfc"):
    """A student asks for the money of a package's unused lessons back (confirm: after the quote)."""

    purchase_id: RecordId
    confirm: bool = False


class CreditRefundDecision(CallbackData, prefix="rfd"):
    """The tutor (or an admin) approves or declines a refund of unused credits."""

    refund_id: RecordId
    approve: bool


class ShowCourse(CallbackData, prefix="crs"):
    course_id: RecordId


class EnrollCourse(CallbackData, prefix="enr"):
    course_id: RecordId


class CheckEnrollment(CallbackData, prefix="enp"):
    """Back from paying an enrollment: ask Stripe now rather than wait for the webhook."""

    purchase_id: RecordId


class BookCourse(CallbackData, prefix="bkc"):
    """Book a session for a course the student is enrolled in."""

    course_id: RecordId


class ScheduleLater(CallbackData, prefix="sdl"):
    course_id: RecordId


class FamilyAnswer(CallbackData, prefix="fam"):
    """A child accepts or declines a parent's invite (the invite's token, from the link)."""

    token: Annotated[str, Field(min_length=1, max_length=43, pattern=r"^[A-Za-z0-9_-]+$")]
    accept: bool


class RateLesson(CallbackData, prefix="rate"):
    """A student's stars for a lesson they attended (0: skip the question)."""

    participant_id: RecordId
    stars: Annotated[int, Field(ge=0, le=5)]


class CommentReview(CallbackData, prefix="rvc"):
    review_id: RecordId


class ReportReview(CallbackData, prefix="rvr"):
    """The tutor reports a review's comment."""

    review_id: RecordId


class HideReview(CallbackData, prefix="rvh"):
    """An admin hides a review."""

    review_id: RecordId


class WriteNotes(CallbackData, prefix="ntw"):
    """The tutor writes notes on a lesson that took place."""

    session_id: RecordId


class ShowNote(CallbackData, prefix="nts"):
    note_id: RecordId


class GetNoteFile(CallbackData, prefix="ntf"):
    note_id: RecordId
    file_id: RecordId


class BookTutor(CallbackData, prefix="bkt"):
    """The tutor's calendar, to book the next lesson."""

    tutor_id: RecordId


class StudentHistory(CallbackData, prefix="hst"):
    """The tutor's lessons with one student (a child without Telegram has a negative id)."""

    student_id: Annotated[int, Field(ge=-MAX_RECORD_ID, le=MAX_RECORD_ID)]


class ClaimSeat(CallbackData, prefix="wlc"):
    """Book the seat the waitlist holds for this person."""

    entry_id: RecordId


class DeclineSeat(CallbackData, prefix="wld"):
    """Give the held seat to the next person waiting."""

    entry_id: RecordId


class LeaveWaitlist(CallbackData, prefix="wll"):
    entry_id: RecordId


class Reschedule(CallbackData, prefix="rsc"):
    """A student moves a booking to another time of the same tutor."""

    participant_id: RecordId


class ProposeMove(CallbackData, prefix="pmv"):
    """The tutor looks for another time for a student's lesson."""

    participant_id: RecordId


class ProposeTo(CallbackData, prefix="pmt"):
    participant_id: RecordId
    slot_id: RecordId


class AnswerMove(CallbackData, prefix="amv"):
    """The student accepts or declines the tutor's proposed time."""

    proposal_id: RecordId
    accept: bool
