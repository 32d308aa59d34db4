"""The video provider ports (Agora behind them): join tokens for a lesson's channel, and the provider's
signed join/leave notifications."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class VideoEvent:
    """A participant joined or left a video channel, as the video provider reports it."""

    # Unique per notification, for de-duplication (the provider may deliver the same one again).
    event_id: str
    channel: str
    uid: int
    # True: joined; False: left.
    joined: bool
    # Aware, UTC.
    at: datetime


class VideoTokens(Protocol):
    def rtc_token(self, channel: str, uid: int, expires_at: datetime) -> str:
        """A token that lets `uid` join `channel` and publish audio and video until `expires_at` (aware);
        ValueError for a uid or channel name the provider does not accept."""
        ...

    @property
    def app_id(self) -> str:
        """The public application id the client needs alongside the token."""
        ...


class VideoSignatureError(Exception):
    """A video webhook's signature is missing, malformed or wrong."""


class VideoWebhookVerifier(Protocol):
    def verify(self, payload: bytes, signature: str | None) -> list[VideoEvent]:
        """Check the signature and return the join/leave events in the notification (possibly none: other
        event types are acknowledged and ignored); raise VideoSignatureError when it does not hold."""
        ...


# Agora uids are uint32 and 0 asks Agora to assign one, so the tutor gets a fixed, non-zero uid of their own.
TUTOR_UID = 1


# Offset by 1000 so a participant's uid is never 0 (Agora assigns one) nor TUTOR_UID, with room for more fixed uids.
def participant_uid(participant_id: int) -> int:
    return 1000 + participant_id


# One channel per session, named after its id so a webhook's channel name leads back to the session.
def channel_name(session_id: int) -> str:
    return f"tutorbot-session-{session_id}"
