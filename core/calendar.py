"""Calendar entries for booked sessions, and the port that turns one into an .ics file.

Each person's entry has a UID that stays the same for its whole life, so a later file updates or removes
it instead of adding a second one: a student's entry is their booking's, the tutor's entry of a 1-to-1
session is the same booking's, and the tutor's entry of a group session is the session's. A confirmation
is SEQUENCE 0; a cancellation is SEQUENCE 1 with METHOD:CANCEL (an entry is cancelled once, and a
cancelled booking or session never comes back). A booking moved to another slot keeps its UID: its
`revision` counts the moves, and each move's file (2, 4, ...) and a cancellation after it (3, 5, ...)
come later than every file before.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

CONFIRMED_SEQUENCE = 0
CANCELLED_SEQUENCE = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEvent:
    # Stable for an entry: sending the file again updates the entry instead of adding a second one.
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    # When the file is made (DTSTAMP).
    stamp: datetime
    # The tutor, who runs the session.
    organizer_name: str
    organizer_uri: str
    # Where the session happens: the bot, which hands out the join link.
    url: str
    cancelled: bool = False
    # Times the booking moved (0 for a session's own entry).
    revision: int = 0

    @property
    def sequence(self) -> int:
        return 2 * self.revision + (CANCELLED_SEQUENCE if self.cancelled else CONFIRMED_SEQUENCE)


class CalendarFiles(Protocol):
    def ics(self, event: CalendarEvent) -> bytes: ...


def booking_uid(participant_id: int) -> str:
    return f"booking-{participant_id}@tutorbot"


def session_uid(session_id: int) -> str:
    return f"session-{session_id}@tutorbot"


def tutor_uid(session_type: str, session_id: int, participant_id: int) -> str:
    """The tutor's entry: one per group session, and the booking's own for a 1-to-1."""
    return session_uid(session_id) if session_type == "group" else booking_uid(participant_id)
