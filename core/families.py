"""Families (spec 004): a parent links a child's Telegram account by an invite link the child accepts, or
manages a child who has no Telegram by name. The parent books and pays for the child (or spends the
family's credits), and receives copies of the messages about the child's lessons.

A child without Telegram still needs a person to book for: they get a user row of their own whose id is
negative (Telegram's user ids are positive), so nothing is ever sent to it; their parents get the
messages instead.
"""

import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from core.enums import FamilyLinkStatus
from core.errors import ValidationError
from core.text import is_clean_text, text_length

CHILD_NAME_MAX_LENGTH = 64
MAX_CHILDREN = 10
# Telegram's deep link payloads are at most 64 characters of A-Z, a-z, 0-9, _ and -.
INVITE_TOKEN_BYTES = 16


@dataclass(slots=True, kw_only=True)
class FamilyLink:
    id: int = 0
    parent_id: int
    # The child's account: their Telegram user once they accepted, or the managed child's own row.
    child_id: int | None = None
    # The name the parent gave (a managed child's only name; for an invited child, until they accept).
    child_name: str
    status: FamilyLinkStatus = FamilyLinkStatus.INVITED
    invite_token: str | None = None
    created_at: datetime
    accepted_at: datetime | None = None

    def accepted_by(self, child_id: int, now: datetime) -> "FamilyLink":
        return replace(self, child_id=child_id, status=FamilyLinkStatus.ACTIVE, invite_token=None, accepted_at=now)


def is_managed(user_id: int) -> bool:
    """A child without Telegram: nobody to send anything to."""
    return user_id < 0


def managed_child_id(link_id: int) -> int:
    return -link_id


def new_invite_token() -> str:
    return secrets.token_urlsafe(INVITE_TOKEN_BYTES)


def clean_child_name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name or text_length(name) > CHILD_NAME_MAX_LENGTH or not is_clean_text(name):
        raise ValidationError("family.bad_name", max=CHILD_NAME_MAX_LENGTH)
    return name
