"""The SQL store's tables (SQLAlchemy Core); the Alembic migrations create exactly these.

Times are ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL; on SQLite they are ``DATETIME`` text in
UTC, ``YYYY-MM-DD HH:MM:SS.ffffff`` (fixed width, so text order is time order). JSON columns
are text written by :mod:`engine.store.sql.codec`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

__all__ = [
    "archive",
    "audit",
    "chart_versions",
    "instances",
    "metadata",
    "outbox",
    "timers",
    "web_idempotency",
    "web_secrets",
    "web_tokens",
    "web_users",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Time = DateTime(timezone=True)

#: every chart version instances were started with; immutable once an instance uses it
chart_versions = Table(
    "statewise_chart_versions",
    metadata,
    Column("chart", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("source_hash", String, nullable=False),
    Column("source", Text, nullable=True),
    Column("created", Time, nullable=False),
    # the hash of the version's meaning (engine.model.meaning), the meaning as JSON, and
    # the version's files as JSON (engine.loader.bundle); empty for versions registered
    # before revision v0004_versions until they are registered again
    Column("fingerprint", String, nullable=True),
    Column("meaning", Text, nullable=True),
    Column("bundle", Text, nullable=True),
    PrimaryKeyConstraint("chart", "version"),
    Index(None, "chart", "fingerprint"),
)

#: one row per instance: identity, the snapshot in parts, and queue bookkeeping
instances = Table(
    "statewise_instances",
    metadata,
    # creation order (children, listings); the rowid on SQLite
    Column(
        "n",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("id", String, nullable=False),
    Column("chart", String, nullable=False),
    Column("chart_version", Integer, nullable=False),
    Column("business_key", String, nullable=True),
    Column("parent", String, nullable=True),
    Column("spawn", String, nullable=True),
    # every active state id, a sorted JSON list
    Column("configuration", Text, nullable=False),
    # the active leaf states, sorted, joined by ","; what queues are listed by
    Column("state", String, nullable=False),
    Column("state_since", Time, nullable=False),
    Column("context", Text, nullable=False),
    Column("history", Text, nullable=False),
    Column("timers", Text, nullable=False),
    # task calls waiting for their outcome, {call id: task}; NULL: stored before revision
    # v0002 (unknown, any outcome accepted)
    Column("calls", Text, nullable=True),
    Column("done", Boolean, nullable=False),
    Column("status", String, nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("created", Time, nullable=False),
    Column("updated", Time, nullable=False),
    UniqueConstraint("id"),
    UniqueConstraint("chart", "business_key"),
    ForeignKeyConstraint(
        ["chart", "chart_version"],
        ["statewise_chart_versions.chart", "statewise_chart_versions.version"],
        name="fk_statewise_instances_chart_version",
    ),
    ForeignKeyConstraint(
        ["parent"], ["statewise_instances.id"], name="fk_statewise_instances_parent"
    ),
    # children of an instance, the instances of one spawn; partial: top-level instances (most
    # of them) add no entry, so an update that changes the state maintains two indexes fewer
    Index(
        None,
        "parent",
        postgresql_where=text("parent IS NOT NULL"),
        sqlite_where=text("parent IS NOT NULL"),
    ),
    Index(
        None,
        "spawn",
        postgresql_where=text("spawn IS NOT NULL"),
        sqlite_where=text("spawn IS NOT NULL"),
    ),
    # queue listings: first page of "chart X in state S, longest waiting first"
    Index(None, "chart", "state", "state_since", "n"),
    # listings without a state: creation order
    Index(None, "chart", "n"),
    # archiving: finished instances, oldest first (a done instance's state_since is when it
    # finished); partial, so running instances cost nothing here
    Index(
        "ix_statewise_instances_finished",
        "state_since",
        postgresql_where=text("status = 'done'"),
        sqlite_where=text("status = 'done'"),
    ),
)

#: the audit trail: one row per step (plus its log lines) and per note
audit = Table(
    "statewise_audit",
    metadata,
    Column("instance_id", String, ForeignKey("statewise_instances.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("line", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("event", String, nullable=True),
    Column("data", Text, nullable=False),
    Column("from_configuration", Text, nullable=False),
    Column("to_configuration", Text, nullable=False),
    Column("actor", String, nullable=True),
    Column("note", Text, nullable=True),
    Column("client_note", Text, nullable=True),
    Column("time", Time, nullable=False),
    # how the step's event came in (external, timer, task, child, platform) and the roles
    # it was sent with (JSON list; NULL: not role-checked); NULL origin: no event
    Column("origin", String, nullable=True),
    Column("roles", Text, nullable=True),
    # what the step did, for `statewise replay`: the context fields it changed (JSON object)
    # and the effects it asked for (JSON list); NULL: not recorded (before revision v0006)
    Column("changes", Text, nullable=True),
    Column("effects", Text, nullable=True),
    PrimaryKeyConstraint("instance_id", "seq", "line"),
    sqlite_with_rowid=False,
)

#: the timer index: mirrors every pending timer of every snapshot
timers = Table(
    "statewise_timers",
    metadata,
    Column("instance_id", String, ForeignKey("statewise_instances.id"), nullable=False),
    Column("timer_id", String, nullable=False),
    Column("due", Time, nullable=False),
    Column("lease_owner", String, nullable=True),
    Column("lease_until", Time, nullable=True),
    PrimaryKeyConstraint("instance_id", "timer_id"),
    Index(None, "due"),
    sqlite_with_rowid=False,
)

#: effects committed with their step, performed afterwards; ``id`` is the idempotency key
outbox = Table(
    "statewise_outbox",
    metadata,
    Column("id", String, primary_key=True),
    Column("instance_id", String, ForeignKey("statewise_instances.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("payload", Text, nullable=False),
    # pending | done | failed | dead
    Column("status", String, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Time, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("lease_owner", String, nullable=True),
    Column("created", Time, nullable=False),
    Index(None, "status", "next_attempt_at"),
    # an instance's items: archiving deletes them, and deleting an instance checks them
    Index(None, "instance_id"),
    # purging: done items, oldest first (partial: only done items are in it)
    Index(
        "ix_statewise_outbox_done",
        "created",
        postgresql_where=text("status = 'done'"),
        sqlite_where=text("status = 'done'"),
    ),
)

#: finished instances moved out of the live tables (``statewise archive``): the instance row
#: and its audit trail as one JSON document (``record``), plus what listings filter on
archive = Table(
    "statewise_archive",
    metadata,
    Column("id", String, primary_key=True),
    Column("chart", String, nullable=False),
    Column("chart_version", Integer, nullable=False),
    Column("business_key", String, nullable=True),
    Column("parent", String, nullable=True),
    Column("state", String, nullable=False),
    Column("created", Time, nullable=False),
    # when the instance finished (its last state change)
    Column("finished", Time, nullable=False),
    Column("archived", Time, nullable=False),
    Column("record", Text, nullable=False),
    Index(None, "chart", "business_key"),
    Index(None, "chart", "archived", "id"),
    Index(None, "archived", "id"),
)

# -- the console and HTTP API (``statewise serve``): people, integrations, repeated requests --

#: people who sign in to the console; ``roles`` a JSON list, ``password_hash`` argon2
web_users = Table(
    "statewise_web_users",
    metadata,
    Column("name", String, primary_key=True),
    Column("password_hash", String, nullable=True),
    Column("roles", Text, nullable=False),
    # failed sign-ins in a row, and until when the account refuses sign-ins (throttling)
    Column("failed_sign_ins", Integer, nullable=False),
    Column("locked_until", Time, nullable=True),
    # grows with every password change: older sessions stop working
    Column("session_epoch", Integer, nullable=False),
    Column("created", Time, nullable=False),
    Column("updated", Time, nullable=False),
)

#: API tokens of integrations: ``sw_<id>_<secret>``; only the secret's SHA-256 is kept
web_tokens = Table(
    "statewise_web_tokens",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("secret_sha256", String, nullable=False),
    # JSON lists; ``["*"]`` for any chart or event
    Column("roles", Text, nullable=False),
    Column("charts", Text, nullable=False),
    Column("events", Text, nullable=False),
    Column("created", Time, nullable=False),
    Column("last_used", Time, nullable=True),
    Column("revoked", Time, nullable=True),
    UniqueConstraint("name"),
)

#: requests sent with an ``Idempotency-Key``: claimed, applied (with the step), answered
web_idempotency = Table(
    "statewise_web_idempotency",
    metadata,
    Column("scope", String, nullable=False),
    Column("key", String, nullable=False),
    Column("request_sha256", String, nullable=False),
    # claimed | applied | answered
    Column("status", String, nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("answer", Text, nullable=True),
    Column("claimed_at", Time, nullable=False),
    Column("updated", Time, nullable=False),
    PrimaryKeyConstraint("scope", "key"),
    Index(None, "claimed_at"),
)

#: values every server process shares, such as the key sessions are signed with
web_secrets = Table(
    "statewise_web_secrets",
    metadata,
    Column("name", String, primary_key=True),
    Column("value", String, nullable=False),
    Column("created", Time, nullable=False),
)
