"""Business rules an operator can tune, with the specifications' defaults."""

from dataclasses import dataclass, field
from datetime import time


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessRules:
    # Spec 002 §1: slots up to 4 weeks ahead.
    booking_window_days: int = 28
    # Spec 002 §5.1 and 000 §3.1: up to 20 participants in a group session.
    max_group_size: int = 20
    # Spec 002 §10: a tutor who has not started 15 minutes after the start is a no-show.
    no_show_after_minutes: int = 15
    # Spec 002 §9: reminders 24 h and 1 h before (minutes before the start, largest first).
    reminder_offsets_minutes: tuple[int, ...] = (24 * 60, 60)
    # Spec 002 §1.3: the daily cleanup runs at 02:00 server time.
    cleanup_time: time = field(default_factory=lambda: time(2, 0))
    # How long a seat stays reserved while the student pays.
    payment_hold_minutes: int = 15
    # The tutor may start a session this many minutes before its start (spec: "Start session" button).
    start_window_minutes: int = 10
    # Join links and a forgotten session last this long after the end.
    session_grace_minutes: int = 15
    # The join page reports every `heartbeat_seconds`; a page silent for `presence_timeout_seconds` is
    # counted as gone (a closed laptop is seen as left within a minute, with the presence job's run).
    heartbeat_seconds: int = 15
    presence_timeout_seconds: int = 40
    # A seat freed in a full session is held this long for the first person on its waitlist.
    waitlist_hold_minutes: int = 30
    # A new tutor's booking notice (each tutor sets their own): later times are not offered.
    booking_notice_minutes: int = 120
    # Unpaid holds a student may have at once so that nobody blocks a tutor's week without paying.
    max_unpaid_holds: int = 3
    # Telegram user ids allowed to approve tutors; empty means tutors are approved at once.
    admin_ids: frozenset[int] = frozenset()

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids
