"""The bounded template sandbox: hostile templates fail fast with RenderLimit (or their own
error), ordinary ones render as before (engine/notify/sandbox.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.notify.sandbox import MAX_LOOP_ITERATIONS, RenderLimit, render_bounded
from engine.notify.templates import environment

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "cases" / "templates" / "hostile.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_template(case: dict[str, Any]) -> None:
    env = environment()
    if "output" in case:
        assert render_bounded(env, case["template"], {}) == case["output"]
        return
    try:
        render_bounded(env, case["template"], {})
    except Exception as exc:  # RenderLimit, or the sandbox's own SecurityError
        assert case["error"] in str(exc)
    else:
        pytest.fail("rendered without an error")


def test_the_loop_budget_is_per_render() -> None:
    env = environment()
    loop = "{% for i in range(60000) %}{% endfor %}done"
    assert render_bounded(env, loop, {}) == "done"
    assert render_bounded(env, loop, {}) == "done"  # a fresh budget, though 2 x 60,000 > limit
    assert MAX_LOOP_ITERATIONS < 120_000


def test_a_loop_over_given_data_is_counted_too() -> None:
    env = environment()
    with pytest.raises(RenderLimit):
        render_bounded(
            env, "{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}", {"xs": [0] * 1000}
        )


def test_subject_length_is_bounded() -> None:
    from engine.model import TemplateDecl
    from engine.notify.templates import render

    decl = TemplateDecl(name="t", body="ok", subject="{{ 'x' * 5000 }}")
    with pytest.raises(RenderLimit):
        render(decl, {})
