"""loaders/fastjson.py reads every answer as json.loads does, and its canonical text tells values apart
as json's sorted dump does."""

from __future__ import annotations

import codecs
import json
import math

import pytest

from loaders import fastjson

ANSWERS = [
    b'{"result": {"items": [{"sku": 123, "price": 1.5, "name": "\\u0444", "archived": false}]}}',
    b'{"id": 18446744073709551615, "big": 123456789012345678901234567890, "neg": -9223372036854775809}',
    b'{"barcode": "1234567890123456789012"}',  # a long number inside a string: read by json, the same
    codecs.BOM_UTF8 + b'{"a": 1}',
    '{"a": "ф"}'.encode("utf-16"),
    b'{"a": "\\ud800"}',
    b'{"a": NaN, "b": Infinity, "c": 1e400}',
    b'{"a": 1, "a": 2}',
    b"[" * 600 + b"]" * 600,
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_loads_reads_as_json_does(answer):
    expected, read = json.loads(answer), fastjson.loads(answer)
    assert repr(read) == repr(expected)  # repr: NaN equals nothing, and 1 == 1.0
    assert [type(value) for value in _leaves(read)] == [type(value) for value in _leaves(expected)]


@pytest.mark.parametrize("answer", [b"", b"{", b'{"a": 1,}', b'"\xff"', b"<html>502</html>"])
def test_loads_fails_where_json_fails(answer):
    with pytest.raises(ValueError):
        json.loads(answer)
    with pytest.raises(ValueError):
        fastjson.loads(answer)


def test_canonical_tells_values_apart_as_json_does():
    values = [{"b": 1, "a": [1.5, None]}, {"a": [1.5, None], "b": 1}, {"a": "\ud800"}, {"a": 2**70}, {"a": 2**70 + 1}]
    texts = [fastjson.canonical(value) for value in values]
    assert texts[0] == texts[1]  # key order does not matter
    assert len(set(texts[1:])) == 4  # a lone surrogate and integers beyond 64 bits have a text too
    assert fastjson.canonical({"when": math.pi}) != fastjson.canonical({"when": 3.14})


def _leaves(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _leaves(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _leaves(inner)
    else:
        yield value
