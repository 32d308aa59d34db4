"""Use cases about a person's account: first contact, language, time zone and role."""

from dataclasses import replace

from core.clock import Clock
from core.entities import User
from core.enums import Role
from core.errors import NotFound, ValidationError
from core.languages import SUPPORTED_LANGUAGES, pick_language
from core.ports import UnitOfWork
from core.timezones import normalize_zone


async def register_user(
    uow: UnitOfWork,
    clock: Clock,
    *,
    user_id: int,
    first_name: str,
    username: str | None,
    telegram_language: str | None,
    default_language: str,
) -> User:
    """Create the user on first contact, or refresh the names Telegram reports; returns the user."""
    now = clock.now()
    async with uow:
        user = await uow.users.get(user_id)
        if user is None:
            user = User(
                id=user_id,
                first_name=first_name,
                username=username,
                language=pick_language(None, telegram_language, default_language),
                created_at=now,
                updated_at=now,
            )
            if not await uow.users.add(user):
                # Another update from the same person created the record a moment ago.
                existing = await uow.users.get(user_id)
                return existing if existing is not None else user
        elif (user.first_name, user.username) != (first_name, username):
            user = replace(user, first_name=first_name, username=username, updated_at=now)
            await uow.users.update(user)
        else:
            return user
        await uow.commit()
    return user


async def get_user(uow: UnitOfWork, user_id: int) -> User | None:
    async with uow:
        return await uow.users.get(user_id)


async def _change_user(uow: UnitOfWork, clock: Clock, user_id: int, **changes: object) -> User:
    async with uow:
        user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("user.not_found")
        user = replace(user, updated_at=clock.now(), **changes)  # type: ignore[arg-type]
        await uow.users.update(user)
        await uow.commit()
    return user


async def set_timezone(uow: UnitOfWork, clock: Clock, *, user_id: int, zone: str) -> User:
    """Accepts any spelling of an IANA zone name; stores the canonical one."""
    return await _change_user(uow, clock, user_id, timezone=normalize_zone(zone))


async def set_language(uow: UnitOfWork, clock: Clock, *, user_id: int, language: str) -> User:
    if language not in SUPPORTED_LANGUAGES:
        raise ValidationError("language.unsupported", language=language)
    return await _change_user(uow, clock, user_id, language=language)


async def set_role(uow: UnitOfWork, clock: Clock, *, user_id: int, role: Role | str) -> User:
    try:
        parsed = Role(role)
    except ValueError:
        raise ValidationError("role.unknown", role=str(role)) from None
    return await _change_user(uow, clock, user_id, role=parsed)
