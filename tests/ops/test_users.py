"""Users and API tokens (engine.ops.users): argon2 passwords, sign-in throttling kept in the
database, tokens shown once and stored hashed, revocation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("argon2", reason="the serve extra is not installed")

from engine.ops import users
from engine.ops.errors import OpsError
from engine.store.sql import SqlStore, WebStore

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def web(db_url: str) -> Iterator[WebStore]:
    store = SqlStore(db_url)
    yield WebStore(store)
    store.close()


def test_users_sign_in_with_their_password(web: WebStore) -> None:
    users.add_user(web, "ann", "a long password", ["SHOPADMIN", "admin"], T0)
    row = web.user("ann")
    assert row is not None and row.password_hash and row.password_hash.startswith("$argon2id$")
    assert "a long password" not in row.password_hash
    assert users.sign_in(web, "ann", "a long password", T0).roles == ("SHOPADMIN", "admin")
    with pytest.raises(OpsError, match="unknown user or wrong password") as bad:
        users.sign_in(web, "ann", "wrong", T0)
    assert bad.value.kind == "unauthorized"
    with pytest.raises(OpsError, match="unknown user or wrong password"):
        users.sign_in(web, "nobody", "whatever", T0)
    with pytest.raises(OpsError, match="already a user"):
        users.add_user(web, "ann", "another password", [], T0)
    with pytest.raises(OpsError, match="too short"):
        users.add_user(web, "bob", "short", [], T0)
    with pytest.raises(OpsError, match="user name"):
        users.add_user(web, "bad name", "a long password", [], T0)


def test_failures_in_a_row_lock_the_account_for_longer_each_time(web: WebStore) -> None:
    users.add_user(web, "carl", "a long password", [], T0)
    for _ in range(users.FREE_FAILURES):
        with pytest.raises(OpsError):
            users.sign_in(web, "carl", "wrong", T0)
    with pytest.raises(OpsError, match="try again in 30 s") as locked:
        users.sign_in(web, "carl", "a long password", T0)  # even the right password waits
    assert locked.value.kind == "throttled"
    later = T0 + timedelta(seconds=31)
    with pytest.raises(OpsError, match="unknown user"):
        users.sign_in(web, "carl", "wrong", later)
    with pytest.raises(OpsError, match="try again in 60 s"):
        users.sign_in(web, "carl", "a long password", later)
    ok = users.sign_in(web, "carl", "a long password", later + timedelta(seconds=61))
    assert ok.name == "carl" and web.user("carl").failed_sign_ins == 0  # type: ignore[union-attr]


def test_a_new_password_moves_the_session_epoch(web: WebStore) -> None:
    users.add_user(web, "dan", "a long password", [], T0)
    before = web.user("dan")
    users.set_password(web, "dan", "a new long password", T0)
    after = web.user("dan")
    assert before and after and after.session_epoch == before.session_epoch + 1
    with pytest.raises(OpsError, match="no user"):
        users.set_password(web, "nobody", "a new long password", T0)


def test_tokens_are_shown_once_stored_hashed_and_revocable(web: WebStore) -> None:
    text = users.create_token(web, "crm", charts=["ats.order"], events=["evt.crm.status"], now=T0)
    assert text.startswith("sw_")
    row, principal = users.authenticate_token(web, text)
    assert text.split("_", 2)[2] not in row.secret_sha256
    assert principal.charts == frozenset({"ats.order"}) and principal.kind == "token"
    with pytest.raises(OpsError, match="not valid"):
        users.authenticate_token(web, text[:-1] + ("A" if text[-1] != "A" else "B"))
    with pytest.raises(OpsError, match="not valid"):
        users.authenticate_token(web, "sw_nonsense")
    with pytest.raises(OpsError, match="already a token"):
        users.create_token(web, "crm", charts=["*"], now=T0)
    users.revoke_token(web, "crm", T0)
    with pytest.raises(OpsError, match="was revoked") as revoked:
        users.authenticate_token(web, text)
    assert revoked.value.kind == "unauthorized"
    with pytest.raises(OpsError, match="no active token"):
        users.revoke_token(web, "crm", T0)
    assert users.parse_list(" A, B,,A ") == ("A", "B")
