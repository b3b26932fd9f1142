"""Replaying stored history through a candidate chart before it is deployed
(``statewise replay``): pure and in memory, never writing anywhere.

* :mod:`.instance`: :class:`Replayer` re-runs one stored instance through the candidate on
  its recorded times and finds where (if anywhere) it first parts from the history;
* :mod:`.compare`: what "the same step" means (states, context changes, effects);
* :mod:`.report`: per-instance results, counts, and groups by where instances first part.

Reading the instances from a database is :func:`engine.ops.replay.replay`'s job; semantics
and limits are in docs/replay.md.
"""

from engine.replay.compare import Comparer as Comparer
from engine.replay.instance import Replayer as Replayer
from engine.replay.report import Difference as Difference
from engine.replay.report import Divergence as Divergence
from engine.replay.report import Group as Group
from engine.replay.report import InstanceResult as InstanceResult
from engine.replay.report import Outcome as Outcome
from engine.replay.report import Report as Report

__all__ = [
    "Comparer",
    "Difference",
    "Divergence",
    "Group",
    "InstanceResult",
    "Outcome",
    "Replayer",
    "Report",
]
