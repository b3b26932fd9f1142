"""The built wheel carries the schema, the grammar and the shipped flows: an installed
statewise validates, tests, renders, runs a worker and lives through the demo day alone,
in an empty folder outside the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src") / "statewise"
    # Build from a copy so the work tree gets no build/ folder.
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "__pycache__"),
        symlinks=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
    )
    [whl] = out.glob("statewise-*.whl")
    return whl


def test_wheel_contains_schema_and_grammar(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "engine/schemas/statechart.schema.json" in names
    assert "engine/expr/guard.lark" in names
    schema = zipfile.ZipFile(wheel).read("engine/schemas/statechart.schema.json")
    assert schema == (ROOT / "schemas" / "statechart.schema.json").read_bytes()
    # the code catalogue the language server explains diagnostics with
    catalogue = zipfile.ZipFile(wheel).read("engine/lsp/errors.md")
    assert catalogue == (ROOT / "docs" / "errors.md").read_bytes()


def test_installed_wheel_validates_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    # The dependencies come from the test's own environment; a path added by a .pth line
    # is not a site dir, so the work tree's editable-install hook there is not run.
    deps = next(p for p in sys.path if p.endswith("site-packages"))
    (Path(site) / "deps.pth").write_text(deps + "\n")
    chart = tmp_path / "c.yaml"
    chart.write_text("id: demo\nversion: 1\nstates:\n  a:\n    tpye: final\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [
            str(py),
            "-c",
            "import sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))",
            "validate",
            str(chart),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "E101 unknown key 'tpye'" in proc.stdout
    # it really ran the installed copy, not the work tree
    where = subprocess.run(
        [str(py), "-c", "import engine; print(engine.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    ).stdout
    assert str(ROOT) not in where


def test_wheel_carries_the_shipped_flows(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for path in (ROOT / "definitions").rglob("*"):
            if path.is_file():
                name = "engine/definitions/" + path.relative_to(ROOT / "definitions").as_posix()
                assert name in names, name
                assert zf.read(name) == path.read_bytes()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed by pip (its ``statewise`` script too);
    the dependencies come from the test's own environment."""
    env_dir = tmp_path_factory.mktemp("installed") / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = next(p for p in sys.path if p.endswith("site-packages"))
    (Path(site) / "deps.pth").write_text(deps + "\n")
    return env_dir / "bin" / "statewise"


def _statewise(script: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("STATEWISE_")
    }
    return subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=300,
    )


def test_installed_statewise_runs_the_shipped_flows(installed: Path, tmp_path: Path) -> None:
    where = _statewise(installed, tmp_path, "flows", "path")
    assert where.returncode == 0 and "site-packages/engine/definitions" in where.stdout
    assert str(ROOT) not in where.stdout
    for args in (
        ("validate", "builtin:", "--strict"),
        ("test", "builtin:", "--quiet", "--no-coverage"),
        ("render", "builtin:yescart/order.yaml", "--format", "mermaid", "-o", "order.mmd"),
    ):
        done = _statewise(installed, tmp_path, *args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    assert (tmp_path / "order.mmd").read_text().startswith("stateDiagram-v2")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert _statewise(installed, tmp_path, "db", "upgrade", "--db", url).returncode == 0
    worker = _statewise(
        installed, tmp_path, "worker", "--db", url, "--definitions", "builtin:",
        "--app", "engine.reference.app:make", "--once",
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-2000:]


def test_installed_statewise_demo_in_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    day = _statewise(installed, tmp_path, "demo", "--orders", "30")
    assert day.returncode == 0, day.stdout[-3000:] + day.stderr[-3000:]
    for heading in ("== Yes!Cart", "== uStore", "== Click & Collect", "== ATS"):
        assert heading in day.stdout
    assert "8 of 8 invariants hold." in day.stdout
    assert len(list((tmp_path / "statewise-demo" / "heatmaps").iterdir())) == 7
