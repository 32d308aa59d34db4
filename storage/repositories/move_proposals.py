"""Tutors' proposals to move bookings."""

from datetime import datetime

from sqlalchemy import select

from core.enums import MoveProposalStatus
from core.move_proposals import MoveProposal
from storage.repositories._common import TableRepository
from storage.repositories._stored import MOVE_PROPOSALS
from storage.tables import move_proposals


class SqlMoveProposalRepository(TableRepository[MoveProposal]):
    stored = MOVE_PROPOSALS

    async def add(self, proposal: MoveProposal) -> MoveProposal:
        return await self._insert(proposal)

    async def get(self, proposal_id: int) -> MoveProposal | None:
        return await self._first_by(move_proposals.c.id, proposal_id)

    async def update_if(self, proposal: MoveProposal, expected: MoveProposalStatus) -> bool:
        return await self._update_where(proposal, move_proposals.c.status == expected.value)

    async def open_for(self, participant_id: int) -> MoveProposal | None:
        return self.stored.first(
            await self._conn.execute(
                select(move_proposals).where(
                    move_proposals.c.participant_id == participant_id,
                    move_proposals.c.status == MoveProposalStatus.PROPOSED.value,
                )
            )
        )

    async def lapsed(self, now: datetime, limit: int) -> list[MoveProposal]:
        return await self._list(
            select(move_proposals)
            .where(move_proposals.c.status == MoveProposalStatus.PROPOSED.value, move_proposals.c.expires_at <= now)
            .order_by(move_proposals.c.expires_at, move_proposals.c.id)
            .limit(limit)
        )
