"""Calendar entries for booked sessions, and the port that turns one into an .ics file."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEvent:
    # Stable for a booking: sending the file again updates the entry instead of adding a second one.
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str


class CalendarFiles(Protocol):
    def ics(self, event: CalendarEvent) -> bytes: ...


def booking_uid(participant_id: int) -> str:
    return f"booking-{participant_id}@tutorbot"
