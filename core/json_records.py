"""Frozen dataclasses to JSON objects and back, in one place: instants as ISO 8601, enumerations as their
values, tuples as lists. A field holding another dataclass is flattened into the same object (its fields
must not clash with the holder's), so a record can be composed of shared parts and still read the objects
written before it was.

Reading is forgiving in the directions a stored record needs: keys the record no longer has are ignored,
and a field missing from an older object takes its default. A required field missing, or a value of the
wrong form, raises `RecordUnreadable`."""

import dataclasses
import enum
import types
import typing
from datetime import datetime
from typing import Any, TypeVar

Record = TypeVar("Record")


class RecordUnreadable(ValueError):
    """A stored object does not make a record of the expected type."""


def to_json(record: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.update(to_json(value))
        else:
            out[field.name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def from_json(record_type: type[Record], stored: dict[str, Any]) -> Record:
    try:
        return _build(record_type, stored)
    except (TypeError, ValueError, KeyError) as error:
        raise RecordUnreadable(f"{record_type.__name__}: {error}") from error


def _build(record_type: type[Record], stored: dict[str, Any]) -> Record:
    values: dict[str, Any] = {}
    for name, hint in _hints(record_type).items():
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            values[name] = _build(hint, stored)
        elif name in stored:
            values[name] = _typed(hint, stored[name])
    return record_type(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(record_type: type) -> dict[str, Any]:
    known = _HINTS.get(record_type)
    if known is None:
        hints = typing.get_type_hints(record_type)
        known = {field.name: hints[field.name] for field in dataclasses.fields(record_type) if field.init}
        _HINTS[record_type] = known
    return known


def _typed(hint: Any, value: Any) -> Any:
    if _is_optional(hint):
        if value is None:
            return None
        hint = next(argument for argument in typing.get_args(hint) if argument is not type(None))
    elif value is None:
        raise ValueError(f"None where a {hint} is required")
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item,) = {argument for argument in typing.get_args(hint) if argument is not Ellipsis}
        return tuple(_typed(item, element) for element in value)
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            raise ValueError(f"{value!r} is not one of {typing.get_args(hint)}")
        return value
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{value!r} is not a boolean")
        return value
    if hint in (int, str) and not isinstance(value, hint):
        raise TypeError(f"{value!r} is not a {hint.__name__}")
    return value


def _is_optional(hint: Any) -> bool:
    is_union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    return is_union and type(None) in typing.get_args(hint)
