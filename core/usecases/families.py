"""Families: a parent invites a child (who accepts the link), or adds a child without Telegram by name;
whom a person may book for; and the parents who get copies of a child's messages. See `core.families`."""

from dataclasses import dataclass, replace

from core.clock import Clock
from core.entities import User
from core.enums import FamilyLinkStatus, Role
from core.errors import Conflict, NotFound, ValidationError
from core.families import MAX_CHILDREN, FamilyLink, clean_child_name, managed_child_id, new_invite_token
from core.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Child:
    link: FamilyLink
    # The child's account, once there is one (an invited child who has not accepted has none yet).
    user: User | None

    @property
    def name(self) -> str:
        """The name the parent gave, which is how they call the child (their Telegram name may differ)."""
        return self.link.child_name

    @property
    def bookable(self) -> bool:
        return self.link.status is FamilyLinkStatus.ACTIVE and self.user is not None


async def _room_for_another(uow: UnitOfWork, parent_id: int) -> None:
    if len(await uow.families.of_parent(parent_id)) >= MAX_CHILDREN:
        raise ValidationError("family.too_many", max=MAX_CHILDREN)


async def invite_child(uow: UnitOfWork, clock: Clock, *, parent_id: int, name: str) -> FamilyLink:
    """A link for the child to open in Telegram (`t.me/<bot>?start=family_<token>`); the child is linked
    once they accept it."""
    name = clean_child_name(name)
    async with uow:
        if await uow.users.get(parent_id) is None:
            raise NotFound("user.not_found")
        await _room_for_another(uow, parent_id)
        link = await uow.families.add(
            FamilyLink(parent_id=parent_id, child_name=name, invite_token=new_invite_token(), created_at=clock.now())
        )
        await uow.commit()
    return link


async def add_managed_child(uow: UnitOfWork, clock: Clock, *, parent_id: int, name: str) -> Child:
    """A child without Telegram: the parent books for them by name, and gets every message about them."""
    name = clean_child_name(name)
    now = clock.now()
    async with uow:
        parent = await uow.users.get(parent_id)
        if parent is None:
            raise NotFound("user.not_found")
        await _room_for_another(uow, parent_id)
        link = await uow.families.add(
            FamilyLink(parent_id=parent_id, child_name=name, status=FamilyLinkStatus.ACTIVE, created_at=now)
        )
        child = User(
            id=managed_child_id(link.id),
            first_name=name,
            language=parent.language,
            timezone=parent.timezone,
            role=Role.STUDENT,
            created_at=now,
            updated_at=now,
        )
        await uow.users.add(child)
        link = link.accepted_by(child.id, now)
        await uow.families.update_if(link, FamilyLinkStatus.ACTIVE)
        await uow.commit()
    return Child(link, child)


async def invite_of(uow: UnitOfWork, *, user_id: int, token: str) -> tuple[FamilyLink, User]:
    """The invite a child opened, with the parent who sent it (to ask the child to accept)."""
    async with uow:
        link = await uow.families.by_token(token)
        parent = await uow.users.get(link.parent_id) if link is not None else None
    if link is None or parent is None or link.status is not FamilyLinkStatus.INVITED:
        raise NotFound("family.invite_not_found")
    if link.parent_id == user_id:
        raise ValidationError("family.own_invite")
    return link, parent


async def accept_invite(uow: UnitOfWork, clock: Clock, *, user_id: int, token: str) -> FamilyLink:
    now = clock.now()
    async with uow:
        link = await uow.families.by_token(token)
        if link is None or link.status is not FamilyLinkStatus.INVITED:
            raise NotFound("family.invite_not_found")
        if link.parent_id == user_id:
            raise ValidationError("family.own_invite")
        if await uow.families.link(link.parent_id, user_id) is not None:
            raise Conflict("family.already_linked")
        accepted = link.accepted_by(user_id, now)
        if not await uow.families.update_if(accepted, FamilyLinkStatus.INVITED):
            raise NotFound("family.invite_not_found")
        await uow.commit()
    return accepted


async def decline_invite(uow: UnitOfWork, *, user_id: int, token: str) -> None:
    async with uow:
        link = await uow.families.by_token(token)
        if link is None or link.status is not FamilyLinkStatus.INVITED or link.parent_id == user_id:
            raise NotFound("family.invite_not_found")
        await uow.families.update_if(
            replace(link, status=FamilyLinkStatus.REMOVED, invite_token=None), FamilyLinkStatus.INVITED
        )
        await uow.commit()


async def my_children(uow: UnitOfWork, *, parent_id: int) -> list[Child]:
    async with uow:
        links = await uow.families.of_parent(parent_id)
        users = {
            u.id: u for u in await uow.users.get_many([link.child_id for link in links if link.child_id is not None])
        }
    return [Child(link, users.get(link.child_id) if link.child_id is not None else None) for link in links]


async def remove_child(uow: UnitOfWork, *, parent_id: int, link_id: int) -> None:
    """End the link (bookings already made stay); another parent's link is reported as missing."""
    async with uow:
        link = await uow.families.get(link_id)
        if link is None or link.parent_id != parent_id or link.status is FamilyLinkStatus.REMOVED:
            raise NotFound("family.child_not_found")
        await uow.families.update_if(replace(link, status=FamilyLinkStatus.REMOVED, invite_token=None), link.status)
        await uow.commit()


async def acts_for(uow: UnitOfWork, actor_id: int, student_id: int) -> bool:
    """In the caller's transaction: may `actor_id` book, pay, cancel for `student_id`? Themselves, or a
    parent with a link in force."""
    return actor_id == student_id or await uow.families.link(actor_id, student_id) is not None


async def check_acts_for(uow: UnitOfWork, actor_id: int, student_id: int) -> None:
    if not await acts_for(uow, actor_id, student_id):
        # Someone else's child is reported exactly like a missing one.
        raise NotFound("family.child_not_found")


async def child_link_for_booking(uow: UnitOfWork, *, parent_id: int, link_id: int) -> User:
    """The child a parent picked on the booking screen (by their link), if they may book for them."""
    async with uow:
        link = await uow.families.get(link_id)
        child = await uow.users.get(link.child_id) if link is not None and link.child_id is not None else None
    if link is None or child is None or link.parent_id != parent_id or link.status is not FamilyLinkStatus.ACTIVE:
        raise NotFound("family.child_not_found")
    return child
