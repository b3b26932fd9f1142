"""Build hook: the shipped flows travel inside the wheel.

``definitions/`` at the top of the repository is the only source of the shipped charts,
fragments, templates and scenarios. When a wheel is built, this ``build_py`` copies it to
``engine/definitions/`` in the build tree, where :func:`engine.flows.shipped_flows` finds
it after installation. An editable install skips the copy: there the package reads the
repository's ``definitions/`` folder directly. (Named in pyproject.toml:
``[tool.setuptools] cmdclass``.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "definitions"
TARGET = Path("engine") / "definitions"
#: what a flow folder holds (charts, fragments, scenarios, templates, the README)
KEEP = ("*.yaml", "*.yml", "*.txt", "*.html", "*.md", "*.j2")


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not SOURCE.is_dir():
            return
        target = Path(self.build_lib) / TARGET
        shutil.rmtree(target, ignore_errors=True)
        for path in sorted(SOURCE.rglob("*")):
            if path.is_file() and any(path.match(p) for p in KEEP):
                dest = target / path.relative_to(SOURCE)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
