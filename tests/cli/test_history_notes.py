"""`statewise history` shows what the customer was told beside the internal audit note."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import Engine, ManualClock, MemoryTransport, load_chart
from engine.cli import main
from engine.store.sql import SqlStore

CHART = """
id: t.notes
version: 1
initial: open
states:
  open:
    on:
      cancel: {target: cancelled, manual: {label: Cancel}}
      hold: {target: open, manual: {label: Hold}}
  cancelled: {type: final}
"""


@pytest.mark.parametrize("client_note", [None, "Sorry: the item is out of stock."])
def test_history_lists_the_client_note_only_when_there_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client_note: str | None
) -> None:
    (tmp_path / "c.yaml").write_text(CHART)
    db = f"sqlite:///{tmp_path / 'h.db'}"
    store = SqlStore(db, create=True)
    chart = load_chart(tmp_path / "c.yaml")
    engine = Engine(store, ManualClock(datetime(2026, 1, 5, tzinfo=UTC)),
                    transports={"email": MemoryTransport()}, charts=[chart])  # fmt: skip
    iid = engine.start(chart, {}).id
    engine.send(iid, "hold", actor="ann", note="asked the warehouse")
    engine.send(iid, "cancel", actor="ann", note="fraud check failed", client_note=client_note)
    store.close()
    assert main(["history", iid, "--db", db]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "fraud check failed" in out
    if client_note is None:
        assert "TO THE CUSTOMER" not in header
    else:
        assert header.split()[-4:] == ["NOTE", "TO", "THE", "CUSTOMER"]
        (line,) = [x for x in out.splitlines() if "fraud check failed" in x]
        assert line.rstrip().endswith(client_note)
