"""Scenario testing: drive charts through steps and check what they did (``statewise test``).

See docs/testing.md for the file format.
"""

from engine.testing.coverage import ChartCoverage as ChartCoverage
from engine.testing.coverage import Coverage as Coverage
from engine.testing.junit import junit_xml as junit_xml
from engine.testing.junit import write_junit as write_junit
from engine.testing.loading import ScenarioError as ScenarioError
from engine.testing.loading import load_scenario as load_scenario
from engine.testing.loading import parse_scenario as parse_scenario
from engine.testing.results import Failure as Failure
from engine.testing.results import ScenarioResult as ScenarioResult
from engine.testing.runner import ScenarioRunner as ScenarioRunner
from engine.testing.scenario import Scenario as Scenario

__all__ = [
    "ChartCoverage",
    "Coverage",
    "Failure",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "ScenarioRunner",
    "junit_xml",
    "load_scenario",
    "parse_scenario",
    "write_junit",
]
