"""``pallet.jsonlite`` reads and writes what ``json`` does (compact), without importing it."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from pallet import jsonlite


def _value(rng: random.Random, depth: int = 0) -> object:
    r = rng.random()
    if depth > 3 or r < 0.35:
        return rng.choice(
            [None, True, False, rng.randint(-(10**20), 10**20), rng.random() * 1e10, "",
             'é"\\\n\x00\u2028\U0001f600', 1.5e-300, -0.0]
        )  # fmt: skip
    if r < 0.65:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        "".join(rng.choice('ab"é\n') for _ in range(3)): _value(rng, depth + 1)
        for _ in range(rng.randint(0, 4))
    }


def test_same_text_and_values_as_json() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        obj = _value(rng)
        for sort_keys in (False, True):
            text = jsonlite.dumps(obj, sort_keys=sort_keys)
            assert text == json.dumps(obj, separators=(",", ":"), sort_keys=sort_keys)
        assert jsonlite.loads(text) == json.loads(text)
        assert jsonlite.loads(json.dumps(obj, indent=1).encode()) == json.loads(text)


def test_tuples_and_special_floats() -> None:
    assert jsonlite.dumps({"a": (1, 2)}) == '{"a":[1,2]}'
    assert jsonlite.dumps([float("inf"), float("-inf")]) == "[Infinity,-Infinity]"
    assert jsonlite.loads("[NaN]")[0] != jsonlite.loads("[NaN]")[0]


@pytest.mark.parametrize("bad", ["", "{", "[1,]", "{} x", "nul", '{"a" 1}', b"\xff"])
def test_bad_documents_raise_value_error(bad: str | bytes) -> None:
    with pytest.raises(ValueError):
        jsonlite.loads(bad)


def test_unserializable_raises_type_error_and_next_call_works() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsonlite.dumps({"a": [object()]})
    shared = [1]
    assert jsonlite.dumps([shared, shared]) == "[[1],[1]]"  # no stale cycle markers


def test_cycles_are_refused() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        jsonlite.dumps(loop)


def test_does_not_import_json() -> None:
    code = (
        "import sys, pallet.jsonlite as j\n"
        "j.loads(j.dumps({'a': [1]}))\n"
        "print('json' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
