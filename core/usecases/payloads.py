"""What messages about a session carry, frozen when they are written."""

from typing import Any

from core.entities import Slot, TeachingSession, TutorProfile


def session_payload(tutor: TutorProfile, slot: Slot, session: TeachingSession) -> dict[str, Any]:
    """What every message about a session needs, frozen when written (rendered in the reader's zone)."""
    return {
        "session_id": session.id,
        "tutor_name": tutor.display_name,
        "tutor_user_id": tutor.user_id,
        "tutor_zone": slot.timezone,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "minutes": slot.duration_minutes,
        "session_type": slot.session_type.value,
        "capacity": slot.capacity,
        "currency": tutor.currency,
    }
