"""Kinds of outbox notifications. The values are stored in the outbox: never rename one."""

from enum import StrEnum


class NotificationKind(StrEnum):
    # To each admin: a tutor profile waits for review (payload: tutor_id, display_name, subjects,
    # hourly_rate_minor, currency, timezone, user_id, username).
    TUTOR_REVIEW_REQUESTED = "tutor.review_requested"
    # To the tutor (payload: tutor_id).
    TUTOR_APPROVED = "tutor.approved"
    TUTOR_REJECTED = "tutor.rejected"
    # To the student: "Session booked!" with both time zones and the calendar file (payload: see
    # core.usecases.booked_seat.booking_payload; plus "late" when the payment came after the hold lapsed).
    BOOKING_CONFIRMED = "booking.confirmed"
    # To the tutor: a new participant (booking_payload plus student_name, note).
    BOOKING_RECEIVED = "booking.received"
    # To the student: the seat held for payment was released (booking_payload).
    HOLD_EXPIRED = "booking.hold_expired"
    # To the student: a late payment could not get a seat and is refunded (booking_payload).
    LATE_PAYMENT_REFUNDED = "booking.late_payment_refunded"
    # To the tutor: a student cancelled (booking_payload plus student_name).
    BOOKING_CANCELLED_BY_STUDENT = "booking.cancelled_by_student"
    # To the student who cancelled a booked session: the calendar file that removes it (booking_payload).
    BOOKING_CANCELLED = "booking.cancelled"
    # To each participant: the tutor cancelled the session (booking_payload plus reason, refund_minor,
    # was_booked).
    SESSION_CANCELLED = "session.cancelled"
    # To the tutor: the calendar file that removes a cancelled session (booking_payload of the booked
    # participant of a 1-to-1 or of any participant of a group, plus participants, refund_minor).
    SESSION_CANCELLED_FOR_TUTOR = "session.cancelled_for_tutor"
    # To each booked participant: the tutor started; payload: booking_payload plus join_url.
    SESSION_STARTED = "session.started"
    # To the tutor and each booked participant: the session ended (session_payload plus lasted, attended
    # names, absent, role).
    SESSION_ENDED = "session.ended"
    # To each booked participant: start time passed, the tutor has not started (booking_payload, deadline).
    TUTOR_LATE = "session.tutor_late"
    # To each booked participant: the tutor never started; refunded (booking_payload, refund_minor).
    TUTOR_NO_SHOW = "session.tutor_no_show"
    # To the tutor who never started: what it means and what it cost (session_payload plus participant_id,
    # refunds, refund_minor).
    TUTOR_NO_SHOW_NOTICE = "session.tutor_no_show_notice"
    # To the other side of a 1-to-1 chat (payload: session_id, sender_name, text).
    CHAT_MESSAGE = "session.chat_message"
    # To the others of a session (payload: session_id, uploader_name, file_name, file_id, tutor_name).
    FILE_SHARED = "session.file_shared"
    # To a student, before the session (session payload plus participant_id, minutes_before, cancellable).
    REMINDER = "session.reminder"
    # To a student, ten minutes before (spec 002 session:starting).
    SESSION_STARTING = "session.starting"
    # To the tutor, ten minutes before: the Start button.
    START_ALERT = "session.start_alert"
