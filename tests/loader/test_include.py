"""Stage 2: fragments are merged, the including chart wins, positions point into fragments."""

from __future__ import annotations

from pathlib import Path

from engine.loader import Stage, validate_path

FRAGMENT = """\
fragment: true
context:
  total: decimal
events:
  paid: {source: integration}
states:
  open:
    on:
      paid: closed
  closed:
    type: final
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fragment_sections_are_merged(tmp_path: Path) -> None:
    write(tmp_path, "frag/common.yaml", FRAGMENT)
    chart = write(
        tmp_path,
        "chart.yaml",
        "id: demo\nversion: 1\ninclude: [frag/common.yaml]\ncontext:\n  note: string\n"
        "states:\n  start:\n    on:\n      go: open\n",
    )
    result = validate_path(chart, stage=Stage.MODEL)
    assert result.chart is not None, [d.format() for d in result.diagnostics]
    assert [f.name for f in result.chart.context.fields] == ["total", "note"]
    assert set(result.chart.states) >= {"open", "closed", "start"}
    assert str(tmp_path / "frag/common.yaml") in result.chart.sources[1]


def test_chart_state_replaces_fragment_state(tmp_path: Path) -> None:
    write(tmp_path, "common.yaml", FRAGMENT)
    chart = write(
        tmp_path,
        "chart.yaml",
        "id: demo\nversion: 1\ninclude: [common.yaml]\ninitial: open\nstates:\n"
        "  open:\n    label: Mine\n    on:\n      paid: closed\n      go: closed\n",
    )
    result = validate_path(chart, stage=Stage.MODEL)
    assert result.chart is not None, [d.format() for d in result.diagnostics]
    assert result.chart.state("open").meta.label == "Mine"
    assert [t.events for t in result.chart.state("open").transitions] == [("paid",), ("go",)]


def test_errors_inside_a_fragment_point_into_the_fragment(tmp_path: Path) -> None:
    frag = write(tmp_path, "common.yaml", FRAGMENT.replace("paid: closed", "paid: closd"))
    chart = write(tmp_path, "chart.yaml", "id: demo\nversion: 1\ninclude: [common.yaml]\n")
    result = validate_path(chart, stage=Stage.MODEL)
    assert result.chart is None
    [d] = [d for d in result.diagnostics if d.code == "E301"]
    assert d.span is not None and d.span.file == str(frag.resolve())
    assert (d.span.line, d.span.col) == (9, 13)


def test_missing_include_and_cycles_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "fragment: true\ninclude: [b.yaml]\n")
    write(tmp_path, "b.yaml", "fragment: true\ninclude: [a.yaml]\n")
    chart = write(
        tmp_path,
        "chart.yaml",
        "id: demo\nversion: 1\ninclude: [a.yaml, nope.yaml]\nstates:\n  s: {type: final}\n",
    )
    result = validate_path(chart, stage=Stage.MODEL)
    codes = sorted(d.code for d in result.diagnostics)
    assert codes == ["E006", "E007", "W320"]  # the model checks say they could not run
    cycle = next(d for d in result.diagnostics if d.code == "E007")
    assert "a.yaml -> b.yaml -> a.yaml" in cycle.message


def test_include_must_be_a_fragment(tmp_path: Path) -> None:
    write(tmp_path, "other.yaml", "id: other\nversion: 1\nstates:\n  s: {type: final}\n")
    chart = write(
        tmp_path,
        "chart.yaml",
        "id: demo\nversion: 1\ninclude: [other.yaml]\nstates:\n  s: {type: final}\n",
    )
    result = validate_path(chart, stage=Stage.MODEL)
    assert [d.code for d in result.diagnostics] == ["E006", "W320"]
    assert "fragment: true" in result.diagnostics[0].message
    assert "an included fragment could not be read" in result.diagnostics[1].message


def test_state_level_include_adds_children(tmp_path: Path) -> None:
    write(
        tmp_path,
        "steps.yaml",
        "fragment: true\nstates:\n  packing:\n    on:\n      packed: shipped\n  shipped:\n    type: final\n",
    )
    chart = write(
        tmp_path,
        "chart.yaml",
        "id: demo\nversion: 1\nstates:\n  fulfilment:\n    include: [steps.yaml]\n"
        "    on:\n      done.state.fulfilment: closed\n  closed:\n    type: final\n",
    )
    result = validate_path(chart, stage=Stage.MODEL)
    assert result.chart is not None, [d.format() for d in result.diagnostics]
    assert result.chart.state("fulfilment").children == ("fulfilment.packing", "fulfilment.shipped")
