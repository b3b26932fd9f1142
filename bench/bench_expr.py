"""Micro-benchmark of compiled guard evaluation: nanoseconds per evaluation.

Run: ``.venv/bin/python bench/bench_expr.py``. Prints, for a few typical guards, the
time of ``compiled(scope)`` and of the bare closure ``compiled.fn(scope)``, plus
the cost of building a Scope (the runtime builds one per step). No assertions.
"""

from __future__ import annotations

import timeit
from datetime import UTC, datetime
from decimal import Decimal

from engine.expr import Scope, compile_expr, parse

GUARDS = [
    "total <= credit_limit",
    "paid",
    "status == 'paid'",
    "total > 100 and not paid",
    "order.customer.vip or total >= 1000.00",
    "event.amount + total <= credit_limit",
    "status in ['paid', 'shipped'] and In('open')",
    "now() - created > 2h",
    "len(lines) > 0 and all_equal(deliveries, 'status', 'shipped')",
]

CONTEXT = {
    "total": Decimal("120.50"),
    "credit_limit": Decimal("500"),
    "paid": False,
    "status": "paid",
    "order": {"customer": {"vip": False}},
    "created": datetime(2026, 1, 31, 6, 0, tzinfo=UTC),
    "lines": [{"sku": "a"}],
    "deliveries": [{"status": "shipped"}, {"status": "shipped"}],
}
EVENT = {"amount": Decimal("10")}
NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
ACTIVE = frozenset({"open"})


def per_call_ns(fn: object, number: int) -> float:
    timer = timeit.Timer("fn(scope)", globals={"fn": fn, "scope": SCOPE})
    best = min(timer.repeat(repeat=5, number=number))
    return best / number * 1e9


SCOPE = Scope(CONTEXT, EVENT, NOW, ACTIVE.__contains__)


def main() -> None:
    print(f"{'guard':<62} {'call ns':>8} {'fn ns':>8}")
    for text in GUARDS:
        compiled = compile_expr(parse(text))
        compiled(SCOPE)  # warm up, and make sure it runs
        number = 200_000
        print(
            f"{text:<62} {per_call_ns(compiled, number):8.0f} {per_call_ns(compiled.fn, number):8.0f}"
        )
    build = timeit.Timer(
        "Scope(c, e, n, a)", globals={"Scope": Scope, "c": CONTEXT, "e": EVENT, "n": NOW, "a": bool}
    )
    print(f"{'Scope(...) construction':<62} {min(build.repeat(5, 200_000)) / 200_000 * 1e9:8.0f}")


if __name__ == "__main__":
    main()
