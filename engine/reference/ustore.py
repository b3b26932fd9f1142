"""uStore's production and list services: a uProduce job service and USAData lists.

* **uProduce** (``submit_production_job``, ``check_production_job``): accepts a job for an
  ordered item (e-mail or print), finishes it after a delay, and fails it with an error
  message when asked to (:meth:`UStoreServices.fail_next`, the way a real job fails on a
  broken document or a bad list).
* **USAData** (``check_recipient_list``): a recipient list ordered at checkout
  (:meth:`UStoreServices.order_list`) is ready after a delay; the check answers whether it
  is ready now (the plugin's ``updateListFromProvider()``, seed-systems (a) E5).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update

from engine.reference import tables as t
from engine.reference.db import RefDb, TaskRefused, as_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from engine.runtime import InstanceInfo
    from engine.service import TaskHandler

__all__ = ["UStoreServices"]

RUNNING, DONE, FAILED = "running", "done", "failed"


class UStoreServices:
    """uProduce jobs and USAData lists in the statewise database.

    A job takes ``job_time`` plus up to ``job_spread`` more (the same for the same item,
    so runs repeat), the time uProduce needs to merge and send.
    """

    def __init__(
        self,
        db: RefDb,
        *,
        job_time: timedelta = timedelta(minutes=2),
        job_spread: timedelta = timedelta(minutes=4),
    ) -> None:
        self.db = db
        self.job_time = job_time
        self.job_spread = job_spread

    # -- the operator's and storefront's side -----------------------------------------
    def fail_next(self, order_product_id: str, message: str) -> None:
        """The next job of this item fails with ``message`` (uProduce's error text)."""
        with self.db.begin() as conn:
            conn.execute(
                delete(t.uproduce_faults).where(
                    t.uproduce_faults.c.order_product_id == order_product_id
                )
            )
            conn.execute(
                insert(t.uproduce_faults).values(order_product_id=order_product_id, message=message)
            )

    def order_list(self, order_product_id: str, *, records: int, ready_after: timedelta) -> None:
        """A recipient list ordered from USAData at checkout, ready after ``ready_after``."""
        now = self.db.now()
        with self.db.begin() as conn:
            conn.execute(
                insert(t.usadata_lists).values(
                    order_product_id=order_product_id,
                    records=records,
                    ordered=now,
                    ready_at=now + ready_after,
                    retrieved=None,
                )
            )

    def jobs(self, order_product_id: str) -> list[dict[str, Any]]:
        with self.db.begin() as conn:
            found = conn.execute(
                select(
                    t.uproduce_jobs.c.job_id,
                    t.uproduce_jobs.c.status,
                    t.uproduce_jobs.c.message,
                    t.uproduce_jobs.c.submitted,
                )
                .where(t.uproduce_jobs.c.order_product_id == order_product_id)
                .order_by(t.uproduce_jobs.c.submitted, t.uproduce_jobs.c.job_id)
            )
            return [
                {"job_id": j, "status": s, "message": m, "submitted": as_utc(at)}
                for j, s, m, at in found
            ]

    def job_counts(self) -> dict[str, int]:
        """How many jobs per status."""
        with self.db.begin() as conn:
            found = conn.execute(
                select(t.uproduce_jobs.c.status, func.count()).group_by(t.uproduce_jobs.c.status)
            )
            return {status: int(n) for status, n in found}

    # -- task handlers ----------------------------------------------------------------
    def submit_production_job(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        item = str(input["order_product_id"])

        def work(conn: Connection) -> Mapping[str, Any]:
            now = self.db.now()
            count = conn.execute(
                select(func.count()).where(t.uproduce_jobs.c.order_product_id == item)
            ).scalar_one()
            job_id = f"{item}-J{int(count) + 1}"
            fault = conn.execute(
                select(t.uproduce_faults.c.message).where(
                    t.uproduce_faults.c.order_product_id == item
                )
            ).scalar()
            if fault is not None:  # this job will fail; the fault is used up
                conn.execute(
                    delete(t.uproduce_faults).where(t.uproduce_faults.c.order_product_id == item)
                )
            conn.execute(
                insert(t.uproduce_jobs).values(
                    job_id=job_id,
                    order_product_id=item,
                    order_id=str(input.get("order_id", "")),
                    kind=str(input.get("kind", "email")),
                    status=RUNNING,
                    message="" if fault is None else fault,
                    submitted=now,
                    due=now + self._duration(item),
                )
            )
            return {"job_id": job_id}

        return self.db.once(idempotency_key, "uproduce", "submit", work)

    def check_production_job(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        job_id = str(input["job_id"])

        def work(conn: Connection) -> Mapping[str, Any]:
            row = conn.execute(
                select(
                    t.uproduce_jobs.c.status, t.uproduce_jobs.c.message, t.uproduce_jobs.c.due
                ).where(t.uproduce_jobs.c.job_id == job_id)
            ).first()
            if row is None:
                raise TaskRefused(f"uProduce has no job {job_id}")
            status, message, due = row
            if status == RUNNING and self.db.now() >= as_utc(due):
                status = FAILED if message else DONE
                conn.execute(
                    update(t.uproduce_jobs)
                    .where(t.uproduce_jobs.c.job_id == job_id)
                    .values(status=status)
                )
            return {"status": status, "message": message if status == FAILED else ""}

        return self.db.once(idempotency_key, "uproduce", "check", work)

    def check_recipient_list(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        item = str(input["order_product_id"])

        def work(conn: Connection) -> Mapping[str, Any]:
            ready_at = conn.execute(
                select(t.usadata_lists.c.ready_at).where(t.usadata_lists.c.order_product_id == item)
            ).scalar()
            if ready_at is None:
                raise TaskRefused(f"USAData has no recipient list for item {item}")
            now = self.db.now()
            ready = now >= as_utc(ready_at)
            if ready:
                conn.execute(
                    update(t.usadata_lists)
                    .where(t.usadata_lists.c.order_product_id == item)
                    .values(retrieved=now)
                )
            return {"ready": ready}

        return self.db.once(idempotency_key, "usadata", "check", work)

    def tasks(self) -> dict[str, TaskHandler]:
        return {
            "submit_production_job": self.submit_production_job,
            "check_production_job": self.check_production_job,
            "check_recipient_list": self.check_recipient_list,
        }

    def _duration(self, item: str) -> timedelta:
        spread = int(self.job_spread.total_seconds())
        extra = zlib.crc32(item.encode()) % (spread + 1) if spread > 0 else 0
        return self.job_time + timedelta(seconds=extra)
