"""The one entity<->row mapping: enumerations by value (None kept), codecs, and a table that grew a column
the entity does not know refused at once instead of silently never written."""

import enum
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from storage.mapping import Codec, EntityTable


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(kw_only=True)
class Thing:
    id: int = 0
    colour: Colour
    accent: Colour | None = None
    tags: frozenset[str]
    note: str = ""


def _table(*extra: Column[object]) -> Table:
    return Table(
        "things",
        MetaData(),
        Column("id", Integer(), primary_key=True),
        Column("colour", String()),
        Column("accent", String(), nullable=True),
        Column("tags", String()),
        *extra,
    )


TAGS = Codec(encode=lambda tags: ",".join(sorted(tags)), decode=lambda stored: frozenset(stored.split(",")))


def test_values_store_enumerations_by_value_and_leave_the_generated_id_out() -> None:
    things = EntityTable(Thing, _table(), codecs={"tags": TAGS})
    thing = Thing(id=0, colour=Colour.RED, accent=None, tags=frozenset({"b", "a"}))
    assert things.values(thing) == {"colour": "red", "accent": None, "tags": "a,b"}


def test_an_assigned_id_is_written() -> None:
    things = EntityTable(Thing, _table(), codecs={"tags": TAGS}, assigned_id=True)
    assert things.values(Thing(id=42, colour=Colour.BLUE, tags=frozenset({"x"})))["id"] == 42


def test_a_row_becomes_the_entity_with_the_fields_the_table_does_not_hold() -> None:
    things = EntityTable(Thing, _table(), codecs={"tags": TAGS})
    got = things.entity({"id": 3, "colour": "blue", "accent": "red", "tags": "a,b"}, note="kept elsewhere")
    assert got == Thing(id=3, colour=Colour.BLUE, accent=Colour.RED, tags=frozenset({"a", "b"}), note="kept elsewhere")
    assert things.entity({"id": 4, "colour": "red", "accent": None, "tags": "a"}).accent is None


def test_a_column_without_a_field_is_refused() -> None:
    with pytest.raises(TypeError, match=r"things: columns \['shade'\] have no field in Thing"):
        EntityTable(Thing, _table(Column("shade", String())))
