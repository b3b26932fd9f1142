"""The public surface of engine.runtime is the contract, and the runtime stays pure."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import engine.runtime as runtime

CONTRACT = {
    "Event", "InstanceInfo", "PendingTimer", "Snapshot",
    "ScheduleTimer", "CancelTimer", "NotifyRequested", "TaskRequested", "SpawnRequested",
    "StartRequested",
    "ChildSpec", "EventForInstance", "LogEntry", "Effect",
    "MicroStep", "MacroStep",
    "Blocker", "Candidate", "Explanation", "ManualAction",
    "Interpreter",
    "Clock", "SystemClock", "ManualClock", "due_time", "open_days_deadline",
    "RuntimeFailure", "EventRefused", "MicrostepLimitExceeded", "ActionFailed", "ContextError",
    "RuleBroken", "StepTimeExceeded",
}  # fmt: skip

RUNTIME = Path(runtime.__file__).parent
ALLOWED_PROJECT = (
    "engine.limits",
    "engine.model",
    "engine.expr",
    "engine.errors",
    "engine.source",
    "engine.runtime",
)


def test_all_is_the_contract() -> None:
    assert set(runtime.__all__) == CONTRACT
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_runtime_imports_only_the_standard_library_and_its_layers() -> None:
    stdlib = sys.stdlib_module_names
    for path in sorted(RUNTIME.glob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            if top == "engine":
                assert module.startswith(ALLOWED_PROJECT), f"{path.name} imports {module}"
            else:
                assert top in stdlib or top == "__future__", f"{path.name} imports {module}"


def test_modules_stay_small() -> None:
    for path in RUNTIME.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, path.name
