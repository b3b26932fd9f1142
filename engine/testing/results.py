"""What a scenario run reports: its failures, expected or not."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.source import Span

__all__ = ["Failure", "ScenarioResult"]


@dataclass(frozen=True, slots=True)
class Failure:
    message: str
    span: Span | None = None
    details: tuple[str, ...] = ()

    def format(self) -> str:
        head = f"{self.span}: {self.message}" if self.span else self.message
        return "\n".join([head, *(f"    {d}" for d in self.details)])


@dataclass(slots=True)
class ScenarioResult:
    file: str
    name: str
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    chart: str | None = None
    steps: int = 0
    #: the reason a scenario marked ``xfail`` is expected to fail
    xfail: str | None = None
    #: the failures of an ``xfail`` scenario (expected, so not counted)
    expected_failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def status(self) -> str:
        """``pass``, ``fail`` or ``xfail`` (failed as expected)."""
        if self.failures:
            return "fail"
        return "xfail" if self.expected_failures else "pass"
