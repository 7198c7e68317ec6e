"""Values every destination can store, made so where an answer holds one that is not.

dlt's extract writes each item as JSON (orjson), and PostgreSQL's COPY reads the text: a string with
a lone surrogate (an escape such as "\\ud800" in an answer, half of a character) or an integer beyond
64 bits fails the extract, and a NUL character fails PostgreSQL's load. Any one of them cost the
account's whole load, and on PostgreSQL the failed package was retried, and failed, on every later
run. Such a value now stays in its row, changed as little as it can be, and the load says how many
it changed (a warning per resource, and the message of its `ok` outcome in `resource_outcomes`):

- a NUL character is removed (no text in our raw data means one);
- a lone surrogate becomes U+FFFD, the replacement character;
- an integer beyond 64 bits becomes the text "<its digits> (beyond a 64-bit integer)". dlt would turn bare
  digits back into the column's bigint and fail; this text it stores beside the column
  (`<column>__v_text`), so the raw row keeps every digit and `raw_type_mismatches` lists it. So does
  a float of 2^63 or more (`1e+20`): dlt would make it a bigint in an integer column, which fails the
  same way (no quantity, price or id comes near it).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import orjson

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SURROGATE = re.compile("[\ud800-\udfff]")

NUL_REMOVED = "NUL characters removed"
SURROGATE_REPLACED = "lone surrogates (half characters) replaced by U+FFFD"
INTEGER_AS_TEXT = "integers beyond 64 bits kept as text"
FLOAT_AS_TEXT = "numbers of 2^63 or more sent with a decimal point or exponent kept as text"
BEYOND_64_BITS = "(beyond a 64-bit integer)"
FLOAT_BEYOND_64_BITS = 2.0**63


class StorableValues:
    """Makes the items of a dlt source's selected resources storable, counting what it changed per
    resource."""

    def __init__(self) -> None:
        self.changed: dict[str, Counter[str]] = {}

    def watch(self, source: Any) -> Any:
        for name, resource in source.selected_resources.items():
            resource.add_map(self._mapper(self.changed.setdefault(name, Counter())))
        return source

    def summary(self) -> dict[str, str]:
        """What was changed in each resource that had something changed, as one phrase."""
        return {
            name: "; ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items()))
            for name, kinds in self.changed.items()
            if kinds
        }

    @staticmethod
    def _mapper(changed: Counter[str]):
        def storable(item: Any) -> Any:
            # Checked in C first: orjson (which dlt writes items with) refuses a lone surrogate and,
            # held to 53 bits, any integer that might be beyond 64; its text shows a NUL, and a float
            # of 1e16 or more as "e+". Only an item that holds one of those is walked.
            try:
                text = orjson.dumps(item, default=_unchecked, option=orjson.OPT_STRICT_INTEGER)
                if b"\\u0000" not in text and b"e+" not in text:
                    return item
            except orjson.JSONEncodeError:
                pass
            return _storable(item, changed)

        return storable


def storable_text(text: str) -> str:
    """`text` as a raw value's text is stored: NUL characters removed, lone surrogates made U+FFFD.
    For the loaders' own text that quotes an answer, such as a resource's error message (a NUL in
    one failed the account's load on PostgreSQL on every run, a lone surrogate its extract)."""
    return _storable(text, Counter())


def _unchecked(value: Any) -> None:
    """A value orjson cannot write (a Decimal, say) is no text or integer: none to check."""


def _storable(value: Any, changed: Counter[str]) -> Any:
    """`value` with what is not storable in it changed: a dict or list in place, a scalar returned
    changed. Most values cost a type check and, for text, a scan or two in C."""
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            changed[NUL_REMOVED] += value.count("\x00")
            value = value.replace("\x00", "")
        if not value.isascii() and SURROGATE.search(value):
            changed[SURROGATE_REPLACED] += len(SURROGATE.findall(value))
            value = SURROGATE.sub("\ufffd", value)
    elif kind is int:
        if not INT64_MIN <= value <= INT64_MAX:
            changed[INTEGER_AS_TEXT] += 1
            value = f"{value} {BEYOND_64_BITS}"
    elif kind is float:
        if abs(value) >= FLOAT_BEYOND_64_BITS:
            changed[FLOAT_AS_TEXT] += 1
            value = f"{value!r} {BEYOND_64_BITS}"
    elif kind is dict:
        for key, inner in value.items():
            fixed = _storable(inner, changed)
            if fixed is not inner:
                value[key] = fixed
    elif kind is list:
        for index, inner in enumerate(value):
            fixed = _storable(inner, changed)
            if fixed is not inner:
                value[index] = fixed
    return value
