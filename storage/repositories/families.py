"""Links between parents and children."""

from sqlalchemy import select

from core.enums import FamilyLinkStatus
from core.families import FamilyLink
from storage.repositories._common import TableRepository
from storage.repositories._stored import FAMILY_LINKS
from storage.tables import family_links


class SqlFamilyRepository(TableRepository[FamilyLink]):
    stored = FAMILY_LINKS

    async def add(self, link: FamilyLink) -> FamilyLink:
        return await self._insert(link)

    async def get(self, link_id: int) -> FamilyLink | None:
        return await self._first_by(family_links.c.id, link_id)

    async def by_token(self, token: str) -> FamilyLink | None:
        return await self._first_by(family_links.c.invite_token, token)

    async def update_if(self, link: FamilyLink, expected: FamilyLinkStatus) -> bool:
        """Write the link only if its status is still `expected` (an invite accepted twice at once)."""
        return await self._update_where(link, family_links.c.status == expected.value)

    async def of_parent(self, parent_id: int) -> list[FamilyLink]:
        """The parent's children, linked or invited, in the order they were added."""
        return await self._list(
            select(family_links)
            .where(
                family_links.c.parent_id == parent_id,
                family_links.c.status.in_([FamilyLinkStatus.INVITED.value, FamilyLinkStatus.ACTIVE.value]),
            )
            .order_by(family_links.c.id)
        )

    async def parents_of(self, child_id: int) -> list[FamilyLink]:
        """The links in force from the child's parents."""
        return await self._list(
            select(family_links)
            .where(family_links.c.child_id == child_id, family_links.c.status == FamilyLinkStatus.ACTIVE.value)
            .order_by(family_links.c.id)
        )

    async def link(self, parent_id: int, child_id: int) -> FamilyLink | None:
        """The link in force between this parent and this child, if any."""
        return self.stored.first(
            await self._conn.execute(
                select(family_links).where(
                    family_links.c.parent_id == parent_id,
                    family_links.c.child_id == child_id,
                    family_links.c.status == FamilyLinkStatus.ACTIVE.value,
                )
            )
        )
