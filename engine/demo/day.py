"""The simulated day: the script's actions, the timers between them, the operators' rounds.

Time moves forward in steps of at most :data:`STEP`; at each, every timer due by then fires
(in process: ``Engine.tick``; with worker processes: the shared clock moves and the day
waits until the workers have fired the timers and delivered the outbox). Then the actions
due are performed: customers, storefronts, gateways, integrations, stock receipts, and
every :data:`ROUND` the operators' rounds.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from engine.demo.actors import ACTORS
from engine.demo.catalog import RECEIPTS
from engine.demo.driver import Driver
from engine.demo.operators import work_round
from engine.demo.plan import Action
from engine.demo.progress import Progress
from engine.demo.settings import DAY_END, DAY_START

__all__ = ["ROUND", "STEP", "Day"]

#: the longest step of the simulated clock between two moments something may happen
STEP = timedelta(minutes=5)
#: how often the operators work their queues
ROUND = timedelta(minutes=20)


class Day:
    """Runs the day. ``move(when)`` moves time to ``when`` and fires what fell due."""

    def __init__(
        self,
        driver: Driver,
        move: Callable[[datetime], None],
        progress: Progress,
        seed: int,
    ) -> None:
        self.driver = driver
        self.move = move
        self.progress = progress
        self.seed = seed
        self.now = DAY_START
        self._seq = 10_000_000

    def _scheduled(self) -> Iterable[Action]:
        at = DAY_START + ROUND
        while at <= DAY_END:
            yield self._action(at, "operators", "")
            at += ROUND
        for after, sku, warehouse, qty in RECEIPTS:
            yield self._action(
                DAY_START + after, "stock.receive", sku, warehouse=warehouse, qty=qty
            )

    def _action(self, at: datetime, kind: str, key: str, **data: object) -> Action:
        self._seq += 1
        return Action(at, self._seq, kind, key, data)

    def run(self, script: list[Action]) -> None:
        queue = [*script, *self._scheduled()]
        heapq.heapify(queue)
        while queue:
            action = heapq.heappop(queue)
            self.advance(action.at)
            for delay, kind, key, data in self.perform(action):
                heapq.heappush(queue, self._action(action.at + delay, kind, key, **data))
        self.advance(DAY_END)
        self.progress.finish()

    def advance(self, to: datetime) -> None:
        while self.now < to:
            self.now = min(to, self.now + STEP)
            self.move(self.now)
            self.progress.update(self.now, self.driver.started)

    def perform(self, action: Action) -> list[tuple[timedelta, str, str, dict[str, object]]]:
        if action.kind == "operators":
            work_round(self.driver, self.now, self.seed)
            return []
        if action.kind == "stock.receive":
            self._receive(action)
            return []
        return ACTORS[action.kind](self.driver, action)

    def _receive(self, action: Action) -> None:
        from engine.reference.inventory import notify_waiting

        d = self.driver
        waiting = d.systems.inventory.receive(
            action.key, str(action.data["warehouse"]), int(str(action.data["qty"])), "delivery note"
        )

        def tell(instance_id: str, event: str) -> None:
            d.act(instance_id, event, None, actor="goods-in", roles=None, note=None)

        notify_waiting(d.engine, waiting, send=tell)
