"""Callback data of buttons that live outside dialogs (on notifications). Every handler re-checks who
pressed: the data can be forged by anyone."""

from typing import Self

from aiogram.filters.callback_data import CallbackData


class TutorReview(CallbackData, prefix="review"):
    tutor_id: int
    approve: bool


class CancelBooking(CallbackData, prefix="cxb"):
    participant_id: int
    confirm: bool = False


class CancelSessionStart(CallbackData, prefix="cxs"):
    session_id: int


class LiveSession(CallbackData, prefix="live"):
    session_id: int
    # "start", "view" (refresh who is here) or "end".
    action: str


class OpenRoom(CallbackData, prefix="room"):
    session_id: int
    chat: bool = False
    # The participation a 1-to-1 room belongs to (0: the person's own, or the tutor's current student).
    participant_id: int = 0

    @classmethod
    def unpack(cls, value: str) -> Self:
        # Buttons sent before rooms belonged to a participation carry two values: still valid.
        if value.count(cls.__separator__) == 2:
            value += f"{cls.__separator__}0"
        return super().unpack(value)


class JoinSession(CallbackData, prefix="join"):
    """A fresh join link for a live session (the tutor or a booked participant)."""

    session_id: int
