"""The application of the worker processes in these tests (``--app ops_app:make``).

The ``charge`` task appends its idempotency key to ``$OPS_TASK_LOG`` (one line per call)
and fails while the file ``$OPS_TASK_FAIL`` exists.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def charge(input: Mapping[str, Any], /, *, idempotency_key: str, instance: Any) -> dict[str, Any]:
    log = os.environ.get("OPS_TASK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(idempotency_key + "\n")
    flag = os.environ.get("OPS_TASK_FAIL")
    if flag and Path(flag).exists():
        raise RuntimeError("the payment gateway is down")
    return {}


def make() -> dict[str, Any]:
    return {"tasks": {"charge": charge}}
