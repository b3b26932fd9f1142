"""The per-process cache of verified API tokens (engine.ops.auth.TokenCache): a token is
trusted for ``ttl`` seconds, then verified again; ``ttl`` 0 trusts nothing; bounded."""

from __future__ import annotations

import pytest

from engine.ops.auth import TokenCache


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize(
    ("ttl", "after", "kept"),
    [(5.0, 0.0, True), (5.0, 4.9, True), (5.0, 5.0, False), (5.0, 60.0, False), (0.0, 0.0, False)],
)
def test_a_verified_token_is_trusted_for_ttl_seconds(ttl: float, after: float, kept: bool) -> None:
    clock = Clock()
    cache: TokenCache[str] = TokenCache(ttl, clock=clock)
    cache.put("sw_abc_secret", "principal")
    clock.t += after
    assert cache.get("sw_abc_secret") == ("principal" if kept else None)
    assert cache.get("sw_abc_other") is None


def test_the_cache_is_bounded_and_keeps_no_token_text() -> None:
    clock = Clock()
    cache: TokenCache[int] = TokenCache(5.0, size=3, clock=clock)
    for n in range(5):
        cache.put(f"token-{n}", n)
    assert [cache.get(f"token-{n}") for n in range(5)] == [None, None, 2, 3, 4]
    assert all(not isinstance(k, str) for k in cache._found)
    cache.forget()
    assert cache.get("token-4") is None
