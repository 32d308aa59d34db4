"""Calendar files (.ics, RFC 5545) for booked sessions: PUBLISH to add or update an entry, CANCEL (same
UID, higher SEQUENCE) to remove it."""

from datetime import UTC

from core.calendar import CalendarEvent


class IcsCalendarFiles:
    def ics(self, event: CalendarEvent) -> bytes:
        # Imported at the first file: 3 MiB a bot holds from then on only.
        from icalendar import Calendar, Event, vCalAddress, vText

        calendar = Calendar()
        calendar.add("prodid", "-//tutorbot//bookings//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "CANCEL" if event.cancelled else "PUBLISH")
        entry = Event()
        entry.add("uid", event.uid)
        entry.add("sequence", event.sequence)
        entry.add("dtstamp", event.stamp.astimezone(UTC))
        entry.add("dtstart", event.start.astimezone(UTC))
        entry.add("dtend", event.end.astimezone(UTC))
        entry.add("summary", event.summary)
        entry.add("description", event.description)
        entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        entry.add("url", event.url)
        entry.add("location", event.url)
        organizer = vCalAddress(event.organizer_uri)
        organizer.params["cn"] = vText(event.organizer_name)
        entry.add("organizer", organizer)
        calendar.add_component(entry)
        data: bytes = calendar.to_ical()
        return data
