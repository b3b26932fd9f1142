"""Value types of the guard language and of a chart's declared ``context``.

Runtime representation of each type (what evaluated expressions return and what
the context holds):

============  ==========================================
type          Python value
============  ==========================================
string        ``str``
integer       ``int`` (never ``bool``)
decimal       ``decimal.Decimal`` (money: exact)
boolean       ``bool``
date          ``datetime.date``
timestamp     ``datetime.datetime`` (timezone-aware)
duration      ``datetime.timedelta``
enum          ``str`` (one of the declared values)
list          ``list`` (or ``tuple``) of the item type
record        ``dict[str, value]``
optional T    ``None`` or a T value
============  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ANY",
    "BOOLEAN",
    "DATE",
    "DECIMAL",
    "DURATION",
    "EMPTY_RECORD",
    "INTEGER",
    "NULL",
    "PRIMITIVES",
    "STRING",
    "SYSTEM_EVENT",
    "SYSTEM_EVENT_NAMED",
    "SYSTEM_EVENT_TYPE",
    "TIMESTAMP",
    "EnumType",
    "Field",
    "ListType",
    "OptionalType",
    "Primitive",
    "RecordType",
    "Type",
    "is_assignable",
    "is_numeric",
    "strip_optional",
]


class Type:
    """Base of all value types. Subclasses are frozen dataclasses."""

    __slots__ = ()

    def describe(self) -> str:
        raise NotImplementedError


PrimitiveName = Literal[
    "string", "integer", "decimal", "boolean", "date", "timestamp", "duration", "null", "any"
]


@dataclass(frozen=True, slots=True)
class Primitive(Type):
    name: PrimitiveName

    def describe(self) -> str:
        return self.name


STRING = Primitive("string")
INTEGER = Primitive("integer")
DECIMAL = Primitive("decimal")
BOOLEAN = Primitive("boolean")
DATE = Primitive("date")
TIMESTAMP = Primitive("timestamp")
DURATION = Primitive("duration")
NULL = Primitive("null")
#: The type of a value nothing is known about; only used for error recovery.
ANY = Primitive("any")

#: The primitive type names a ``context`` declaration may use.
PRIMITIVES: dict[str, Primitive] = {
    t.name: t for t in (STRING, INTEGER, DECIMAL, BOOLEAN, DATE, TIMESTAMP, DURATION)
}


@dataclass(frozen=True, slots=True)
class EnumType(Type):
    values: tuple[str, ...]

    def describe(self) -> str:
        return "enum(" + ", ".join(self.values) + ")"


@dataclass(frozen=True, slots=True)
class ListType(Type):
    item: Type

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


@dataclass(frozen=True, slots=True)
class OptionalType(Type):
    inner: Type

    def describe(self) -> str:
        return f"optional {self.inner.describe()}"


@dataclass(frozen=True, slots=True)
class Field:
    """A field of a record (or of the context): its type and whether it has a default."""

    name: str
    type: Type
    has_default: bool = False


@dataclass(frozen=True, slots=True)
class RecordType(Type):
    fields: tuple[Field, ...]

    def describe(self) -> str:
        return "record{" + ", ".join(f.name for f in self.fields) + "}"

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def strip_optional(t: Type) -> Type:
    return t.inner if isinstance(t, OptionalType) else t


def is_numeric(t: Type) -> bool:
    return t in (INTEGER, DECIMAL)


def is_assignable(source: Type, target: Type) -> bool:
    """Whether a value of type ``source`` may be stored where ``target`` is declared."""
    if ANY in (source, target) or source == target:
        return True
    if isinstance(target, OptionalType):
        return source == NULL or is_assignable(strip_optional(source), target.inner)
    if isinstance(source, OptionalType):
        return False
    if target == DECIMAL and source == INTEGER:
        return True
    if isinstance(target, EnumType):
        return isinstance(source, EnumType) and set(source.values) <= set(target.values)
    if isinstance(target, ListType) and isinstance(source, ListType):
        # An empty list literal has item type ANY.
        return is_assignable(source.item, target.item)
    if isinstance(target, RecordType) and isinstance(source, RecordType):
        return all(
            (sf := source.field(f.name)) is not None and is_assignable(sf.type, f.type)
            for f in target.fields
        )
    return False


#: A record with no fields: the data of an event that declares none.
EMPTY_RECORD = RecordType(())

#: The reserved name of the event being processed (SCXML's ``_event``): ``_event.name``,
#: and who sent it: ``_event.actor``, ``_event.note`` (the audit note, internal) and
#: ``_event.client_note`` (what the customer is told), null unless a person gave them.
SYSTEM_EVENT = "_event"
_WHO = (
    Field("actor", OptionalType(STRING)),
    Field("note", OptionalType(STRING)),
    Field("client_note", OptionalType(STRING)),
)
#: Its type where an event may be missing: null while the initial states are entered.
SYSTEM_EVENT_TYPE = RecordType((Field("name", OptionalType(STRING)), *_WHO))
#: Its type where an event is certain (a transition on an event, an entry only events reach).
SYSTEM_EVENT_NAMED = RecordType((Field("name", STRING), *_WHO))
