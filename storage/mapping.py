"""How an entity dataclass is stored in its table, written once: the fields the two share travel by name,
enumerations as their values, and a field stored in another form (a weekday set as "0,2,4") through a
codec. The repositories build their statements from it instead of listing every column again."""

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import CursorResult, Result, Table

Entity = TypeVar("Entity")


@dataclass(frozen=True, slots=True)
class Codec:
    """A field whose stored form differs from the entity's: `encode` on the way in, `decode` on the way out."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    """The enumeration a field holds (`Role` or `Role | None`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for argument in typing.get_args(annotation):
            found = _enum_of(argument)
            if found is not None:
                return found
    return None


def _enum_codec(kind: type[enum.Enum]) -> Codec:
    return Codec(
        encode=lambda value: value.value if value is not None else None,
        decode=lambda stored: kind(stored) if stored is not None else None,
    )


class EntityTable(Generic[Entity]):
    """One entity class and its table.

    A field without a column (a tutor's subjects live in their own table) is left to the repository: it
    comes in as a keyword of `entity()`. The key column `id` is written only when the entity carries its
    own id (`assigned_id`, e.g. a Telegram user id); otherwise the database assigns it.
    """

    def __init__(
        self,
        entity: type[Entity],
        table: Table,
        *,
        codecs: Mapping[str, Codec] | None = None,
        assigned_id: bool = False,
    ) -> None:
        self.entity_type = entity
        self.table = table
        hints = typing.get_type_hints(entity)
        columns = set(table.columns.keys())
        self._fields = [field.name for field in dataclasses.fields(entity) if field.name in columns]  # type: ignore[arg-type]
        # A column the entity does not know would never be written nor read: refuse the mapping at import.
        unknown = columns - set(self._fields)
        if unknown:
            raise TypeError(f"{table.name}: columns {sorted(unknown)} have no field in {entity.__name__}")
        self._codecs: dict[str, Codec] = {}
        for name in self._fields:
            kind = _enum_of(hints[name])
            if kind is not None:
                self._codecs[name] = _enum_codec(kind)
        self._codecs.update(codecs or {})
        self._written = [name for name in self._fields if assigned_id or name != "id"]

    def values(self, entity: Entity) -> dict[str, Any]:
        """The column values of an entity, for an INSERT or a full UPDATE."""
        out: dict[str, Any] = {}
        for name in self._written:
            value = getattr(entity, name)
            codec = self._codecs.get(name)
            out[name] = codec.encode(value) if codec is not None else value
        return out

    def entity(self, row: Mapping[Any, Any], **extra: Any) -> Entity:
        """The entity of a row (a mapping by column name), with the fields the table does not hold."""
        values: dict[str, Any] = {}
        for name in self._fields:
            stored = row[name]
            codec = self._codecs.get(name)
            values[name] = codec.decode(stored) if codec is not None else stored
        return self.entity_type(**values, **extra)

    def first(self, result: Result[Any] | CursorResult[Any]) -> Entity | None:
        row = result.mappings().first()
        return self.entity(row) if row is not None else None

    def all(self, result: Result[Any] | CursorResult[Any]) -> list[Entity]:
        return [self.entity(row) for row in result.mappings()]
