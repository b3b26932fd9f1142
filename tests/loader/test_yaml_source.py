"""Stage 1: safe YAML with positions, YAML 1.2 booleans, duplicate keys, bounded aliases."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from engine.loader.yaml_source import MAX_NODES, parse_yaml


def test_yaml_11_booleans_stay_strings() -> None:
    doc, diags = parse_yaml("on: yes\noff: no\ny: n\nt: true\nf: False\n", "f.yaml")
    assert not diags and doc is not None
    assert doc.data == {"on": "yes", "off": "no", "y": "n", "t": True, "f": False}


def test_dates_and_sexagesimals_stay_strings() -> None:
    doc, _ = parse_yaml("d: 2026-11-22\nt: 1:30\nn: 012\nx: 0x1F\n", "f.yaml")
    assert doc is not None
    assert doc.data == {"d": "2026-11-22", "t": "1:30", "n": 12, "x": 31}


def test_positions_of_keys_and_values_are_one_based() -> None:
    doc, _ = parse_yaml("a:\n  bb: value\n", "f.yaml")
    assert doc is not None
    key = doc.keys[("a", "bb")].span
    value = doc.values[("a", "bb")].span
    assert (key.line, key.col, key.end_col) == (2, 3, 5)
    assert (value.line, value.col, value.end_col) == (2, 7, 12)


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    doc, diags = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(d.code, d.span.line, d.span.col) for d in diags if d.span] == [("E002", 3, 1)]
    assert "line 1" in diags[0].message
    assert doc is not None and doc.data["a"] == 1


def test_syntax_error_has_a_position() -> None:
    doc, diags = parse_yaml("a: [1, 2\nb: 3\n", "f.yaml")
    assert doc is None
    assert diags[0].code == "E001" and diags[0].span is not None


def test_empty_file_is_reported() -> None:
    doc, diags = parse_yaml("# only a comment\n", "f.yaml")
    assert doc is None and diags[0].code == "E004"


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_fails_fast_with_bounded_memory() -> None:
    text = _bomb(10)  # expands to 10**10 nodes if unbounded
    tracemalloc.start()
    started = time.perf_counter()
    doc, diags = parse_yaml(text, "bomb.yaml")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert doc is None
    assert [d.code for d in diags] == ["E003"]
    assert str(MAX_NODES) in diags[0].message
    assert elapsed < 10  # generous: the point is that it stops at all
    assert peak < 200 * 1024 * 1024


def test_small_aliases_are_fine() -> None:
    doc, diags = parse_yaml("base: &b {x: 1}\nother: *b\n", "f.yaml")
    assert not diags and doc is not None
    assert doc.data["other"] == {"x": 1}


@pytest.mark.parametrize(
    ("text", "value_offset", "expected"),
    [
        ("g: total > 3\n", 8, (1, 12)),
        ("g: 'total > 3'\n", 8, (1, 13)),
        ('g: "total > 3"\n', 0, (1, 5)),
        ("g: |\n  total > 3\n  and x\n", 10, (3, 3)),
        ("g: >\n    total\n", 2, (2, 7)),
    ],
)
def test_locate_maps_value_offsets_to_file_positions(
    text: str, value_offset: int, expected: tuple[int, int]
) -> None:
    doc, _ = parse_yaml(text, "f.yaml")
    assert doc is not None
    loc = doc.values[("g",)]
    assert loc.locate(doc.data["g"])(value_offset) == expected
