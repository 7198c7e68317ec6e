"""JSON read and written in C (orjson) on the loaders' per-page and per-row paths, falling back to
Python's json wherever orjson would answer otherwise, so every answer reads and compares as before.

Measured (a 1.4 MB page of 1,000 Ozon-like postings, 2 shared cores): json.loads 18-29 ms, orjson
10-17 ms plus 2.5 ms for the long-number check; a sorted dump (a page's digest) 56 ms against 8 ms.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson reads an integer beyond 64 bits as a float, losing digits (json keeps it whole, and
# loaders/storable.py keeps it as text): an answer with a run of 19 digits anywhere (also inside a
# string: only slower) is read by json. Digits mapped to "0" and the rest to " " in C, then searched.
_DIGITS_AS_ZEROS = bytes(ord("0") if ord("0") <= byte <= ord("9") else ord(" ") for byte in range(256))
_LONG_NUMBER = b"0" * 19


def loads(data: bytes) -> Any:
    """`data` decoded as json.loads decodes it. What orjson refuses and json reads (a byte-order mark,
    UTF-16, a lone surrogate escape, NaN, 1e400, nesting deeper than 1,024) goes to json, which
    reads it or raises as before."""
    if _LONG_NUMBER in data.translate(_DIGITS_AS_ZEROS):
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def canonical(value: Any) -> bytes:
    """`value` as JSON text with sorted keys, to compare values by a digest of it: equal values give
    equal text. A value orjson cannot write (a lone surrogate, an integer beyond 64 bits) is written
    by json, ASCII-escaped; anything neither knows, as its str()."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str).encode()
