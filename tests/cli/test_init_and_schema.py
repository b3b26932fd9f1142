"""``statewise init`` scaffolds a project that validates (strictly) and whose scenarios pass;
its modeline finds the schema it wrote; ``statewise schema`` prints and writes the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_a_scaffolded_project_validates_and_its_scenarios_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "my-shop"
    assert main(["init", str(project)]) == 0
    listed = capsys.readouterr().out.split()
    assert "flows/order.yaml" in listed and ".github/workflows/flows.yml" in listed
    flows = project / "flows"
    assert main(["validate", str(flows), "--strict"]) == 0
    assert main(["test", str(flows), "--junit-xml", str(tmp_path / "r.xml")]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS") == 3 and "0 failed" in out
    chart = (flows / "order.yaml").read_text()
    assert "id: my_shop.order" in chart
    # the modeline points at the schema the scaffold wrote, relative to the chart
    modeline = re.search(r"# yaml-language-server: \$schema=(\S+)", chart)
    assert modeline is not None
    schema = (flows / modeline.group(1)).resolve()
    assert json.loads(schema.read_text())["$id"].endswith("statechart.schema.json")
    settings = json.loads((project / ".vscode/settings.json").read_text())
    assert list(settings["yaml.schemas"]) == ["./schemas/statechart.schema.json"]
    workflow = yaml.safe_load((project / ".github/workflows/flows.yml").read_text())
    runs = [s.get("run") for s in workflow["jobs"]["check"]["steps"]]
    assert "statewise validate flows/ --format github --strict" in runs
    assert any(r and r.startswith("statewise test flows/") for r in runs)


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    (project / "flows").mkdir(parents=True)
    (project / "flows/order.yaml").write_text("mine\n")
    assert main(["init", str(project), "--chart", "shop.order"]) == 1
    assert "not overwriting flows/order.yaml" in capsys.readouterr().err
    assert (project / "flows/order.yaml").read_text() == "mine\n"
    assert not (project / "README.md").exists()  # nothing written at all
    assert main(["init", str(tmp_path / "q"), "--chart", "Bad Id"]) == 2


def test_schema_prints_and_writes_the_bundled_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "schemas" / "statechart.schema.json").read_text()
    target = tmp_path / "s" / "statechart.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text() == printed
