"""Who may do what: tokens limited to charts and events, people to manual actions, the
roles a chart's manual.roles name (engine.ops.auth)."""

from __future__ import annotations

import pytest

from engine import load_chart
from engine.ops.auth import Principal, manual_roles
from engine.ops.errors import OpsError
from tests.web.shop import DEFINITIONS

ORDER = load_chart(DEFINITIONS / "yescart" / "order.yaml")
ANN = Principal("ann", "user", frozenset({"SHOPADMIN"}))
CARL = Principal("carl", "user", frozenset({"CALLCENTERORDERPROCESS"}))
ADMIN = Principal("root", "user", frozenset({"admin"}))
FEED = Principal("feed", "token", frozenset(), frozenset({"yescart.order"}),
                 frozenset({"evt.payment.processed"}))  # fmt: skip


def test_manual_roles_of_an_event() -> None:
    only, roles, labels = manual_roles(ORDER, "evt.payment.confirmed")
    assert only and labels == ("Approve order",)
    assert roles == ("CALLCENTERORDERCONFIRM", "SHOPADMIN", "SUBSHOPUSER")
    assert manual_roles(ORDER, "evt.pending")[0] is False
    assert manual_roles(ORDER, "no.such.event") == (False, (), ())


@pytest.mark.parametrize(
    ("who", "event", "fragment"),
    [
        (ANN, "evt.payment.confirmed", None),
        (CARL, "cancel.order", None),
        (CARL, "evt.payment.confirmed", "needs one of the roles CALLCENTERORDERCONFIRM"),
        (CARL, "evt.pending", "is not a manual action"),
        (ADMIN, "evt.pending", None),
        (ADMIN, "evt.payment.confirmed", "root has admin"),
        (FEED, "evt.payment.processed", None),
        (FEED, "evt.pending", "may send the events evt.payment.processed"),
    ],
)
def test_require_send(who: Principal, event: str, fragment: str | None) -> None:
    if fragment is None:
        who.require_send(ORDER, event)
        return
    with pytest.raises(OpsError, match=fragment) as caught:
        who.require_send(ORDER, event)
    assert caught.value.kind == "forbidden"


def test_tokens_see_only_their_charts_and_admin_is_a_role() -> None:
    assert FEED.sees("yescart.order") and not FEED.sees("yescart.delivery")
    with pytest.raises(OpsError, match=r"limited to the charts yescart\.order"):
        FEED.require_chart("yescart.delivery")
    with pytest.raises(OpsError, match="needs the role 'admin'"):
        ANN.require_admin("retrying dead letters")
    ADMIN.require_admin("retrying dead letters")
    FEED.require_start("yescart.order")
    with pytest.raises(OpsError):
        ANN.require_start("yescart.order")
    assert FEED.actor == "token:feed" and ANN.actor == "ann"
