"""The reference application, dying at the worst moment (``--app tests.reference.crash_app:make``).

While the file ``$CRASH_FLAG`` exists, the first call of the task ``$CRASH_TASK`` does its
work (committed in the reference tables) and then the worker process is killed with
SIGKILL, before the engine saves the outcome or marks the call done. The flag is removed
first, so the restarted worker performs the call again and lives.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.reference.app import make as reference_make


def make(db: str) -> dict[str, Any]:
    app = reference_make(db)
    name = os.environ["CRASH_TASK"]
    flag = Path(os.environ["CRASH_FLAG"])
    real = app["tasks"][name]

    def dying(input: Mapping[str, Any], /, *, idempotency_key: str, instance: Any) -> Any:
        answer = real(input, idempotency_key=idempotency_key, instance=instance)
        if flag.exists():
            flag.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        return answer

    app["tasks"] = {**app["tasks"], name: dying}
    return app
