"""Column types shared by the tables."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Surrogate keys: BIGINT on PostgreSQL; INTEGER on SQLite, where only an `INTEGER PRIMARY KEY` column is an
# alias of the rowid and gets its value assigned automatically.
IdType: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")

# Telegram user ids do not fit in 32 bits.
TelegramId = BigInteger

# JSON documents (outbox payloads).
JsonType = JSON


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: binds aware datetimes only and returns aware UTC datetimes.

    PostgreSQL stores a `timestamptz`. SQLite has no timestamp type: the value is stored as naive UTC text
    in one fixed format, so that comparing the strings orders the instants.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime(timezone=False))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value.isoformat()} given where an aware UTC instant is required")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
