"""A tutor's proposal to move a student's booked lesson to another of their times. The proposed seat is
held (counted as taken) until the student answers or the proposal lapses; accepting moves the booking,
declining cancels it with a full refund (the tutor asked for the change), no answer leaves it as it was."""

from dataclasses import dataclass, replace
from datetime import datetime

from core.enums import MoveProposalStatus


@dataclass(slots=True, kw_only=True)
class MoveProposal:
    id: int = 0
    participant_id: int
    from_slot_id: int
    to_slot_id: int
    status: MoveProposalStatus = MoveProposalStatus.PROPOSED
    expires_at: datetime
    created_at: datetime
    decided_at: datetime | None = None

    def decided(self, status: MoveProposalStatus, now: datetime) -> "MoveProposal":
        return replace(self, status=status, decided_at=now)

    def open_at(self, now: datetime) -> bool:
        return self.status is MoveProposalStatus.PROPOSED and now < self.expires_at
