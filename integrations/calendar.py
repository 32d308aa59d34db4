"""Calendar files (.ics, RFC 5545) for booked sessions."""

from datetime import UTC

from icalendar import Calendar, Event

from core.calendar import CalendarEvent


class IcsCalendarFiles:
    def ics(self, event: CalendarEvent) -> bytes:
        calendar = Calendar()
        calendar.add("prodid", "-//tutorbot//bookings//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        entry = Event()
        entry.add("uid", event.uid)
        # DTSTAMP is when the file was made; a stable value keeps the file the same for the same booking.
        entry.add("dtstamp", event.start.astimezone(UTC))
        entry.add("dtstart", event.start.astimezone(UTC))
        entry.add("dtend", event.end.astimezone(UTC))
        entry.add("summary", event.summary)
        entry.add("description", event.description)
        calendar.add_component(entry)
        data: bytes = calendar.to_ical()
        return data
