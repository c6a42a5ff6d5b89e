"""Who may ask about whom: accounts, API keys, parent-child links and the audit log.

A key is shown once when it is made and only its sha256 is stored, so a copy of the
database signs nobody in. `subject_for` is the one place that turns a signed-in account
(and an optional child) into the `tools.Subject` every tool runs for.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from agent.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from agent.tables import (
    NAME_LENGTH,
    UtcDateTime,
    account_links,
    accounts,
    api_keys,
    as_utc,
    audit_log,
    create_tables,
    now,
)
from brain.config import Settings
from brain.store.database import connect
from tools import Subject
from tools.safety.labelled import SELF_DIRECTED

Role = Literal["person", "parent"]
CRISIS_ACTION = "safety.crisis"  # the audit action of a turn answered with a crisis text
KEY_PREFIX = "eqm_"
_NAME = re.compile(rf"[A-Za-z0-9_.-]{{1,{NAME_LENGTH}}}")
# last_used_at is a hint for people, not a ledger: write it at most once a minute per key
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Account(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    role: Role
    created_at: UtcDateTime


class Link(BaseModel):
    """A parent may ask about this child; `share_memories` lets them read what it wrote, and
    `crisis_alerts` lets them see when the child was given a crisis answer (never the words,
    and never for a disclosure of abuse or violence, which may be about the parent)."""

    model_config = ConfigDict(frozen=True)

    parent: str
    child: str
    share_memories: bool
    crisis_alerts_since: UtcDateTime | None = None
    created_at: UtcDateTime

    @property
    def crisis_alerts(self) -> bool:
        return self.crisis_alerts_since is not None


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    at: UtcDateTime
    actor: str
    subject: str
    action: str
    detail: dict[str, Any] | None = None


class KeyInfo(BaseModel):
    """What may be shown about a key: never the key or its hash."""

    model_config = ConfigDict(frozen=True)

    prefix: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidRequest(
            f"invalid account name {_shown(name)}: use 1-{NAME_LENGTH} letters, digits, "
            "'_', '.' or '-'"
        )
    return name


def _shown(name: object) -> str:
    """A caller-given name for a message, cut short so a huge header stays a short line."""
    text = str(name)
    return repr(text) if len(text) <= NAME_LENGTH else repr(text[:NAME_LENGTH]) + "..."


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


_parent = accounts.alias("parent")
_child = accounts.alias("child")
_LINKS = (
    select(
        _parent.c.name.label("parent"),
        _child.c.name.label("child"),
        account_links.c.share_memories,
        account_links.c.crisis_alerts_since,
        account_links.c.created_at,
    )
    .join(_parent, _parent.c.id == account_links.c.parent_id)
    .join(_child, _child.c.id == account_links.c.child_id)
)


class Accounts:
    """The account tables in the store's database. Open them with `Accounts.open()`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine)

    @classmethod
    def open(cls, url: str | None = None) -> Accounts:
        """The accounts at `url`, or in the database the EQM_* settings name."""
        return cls(connect(url or Settings().resolved_database_url()))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # accounts and keys ----------------------------------------------------------------------

    def create_user(self, name: str, *, parent: bool = False) -> tuple[Account, str]:
        """A new account and its first key; the key is returned here once and never again."""
        validate_name(name)
        key = _new_key()
        try:
            with self.engine.begin() as connection:
                if self._find(connection, name) is not None:
                    raise _taken(name)
                connection.execute(
                    insert(accounts).values(
                        name=name, role="parent" if parent else "person", created_at=now()
                    )
                )
                account = self._account(connection, name)
                self._insert_key(connection, account.id, key)
        except IntegrityError:
            # another writer took the name between our check and our insert
            with self.engine.connect() as connection:
                if self._find(connection, name) is not None:
                    raise _taken(name) from None
            raise
        return account, key

    def new_key(self, name: str, *, rotate: bool = False) -> str:
        """Another key for an existing account. The old ones keep working until revoked, or,
        with `rotate`, stop working as the new one starts (one transaction: never none)."""
        key = _new_key()
        with self.engine.begin() as connection:
            account = self._account(connection, name)
            if rotate:
                connection.execute(delete(api_keys).where(api_keys.c.account_id == account.id))
            self._insert_key(connection, account.id, key)
        return key

    def revoke_keys(self, name: str) -> int:
        """Revoke every key of the account; returns how many there were."""
        with self.engine.begin() as connection:
            account = self._account(connection, name)
            result = connection.execute(delete(api_keys).where(api_keys.c.account_id == account.id))
            return result.rowcount

    def authenticate(self, key: str | None) -> Account:
        """The account a key belongs to; Unauthorized for no key, an unknown or revoked one."""
        if not key:
            raise Unauthorized("no API key: send one as 'Authorization: Bearer <key>'")
        query = (
            select(accounts, api_keys.c.id.label("key_id"), api_keys.c.last_used_at)
            .join(api_keys, api_keys.c.account_id == accounts.c.id)
            .where(api_keys.c.key_hash == hash_key(key))
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            raise Unauthorized("unknown or revoked API key")
        moment = now()
        last = row["last_used_at"]
        if last is None or moment - as_utc(last) >= LAST_USED_RESOLUTION:
            with self.engine.begin() as connection:
                connection.execute(
                    update(api_keys)
                    .where(api_keys.c.id == row["key_id"])
                    .values(last_used_at=moment)
                )
        return Account(**{c: row[c] for c in ("id", "name", "role", "created_at")})

    def user(self, name: str) -> Account:
        with self.engine.connect() as connection:
            return self._account(connection, name)

    def users(self) -> list[Account]:
        """Every account, by name."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(accounts).order_by(accounts.c.name)).mappings()
            return [Account(**row) for row in rows]

    def keys(self, name: str) -> list[KeyInfo]:
        with self.engine.connect() as connection:
            return self._keys(connection, self._account(connection, name))

    # links ----------------------------------------------------------------------------------

    def link(
        self, parent: str, child: str, *, share_memories: bool = False, crisis_alerts: bool = False
    ) -> Link:
        """Let a parent ask about a child; linking again only changes the two settings."""
        with self.engine.begin() as connection:
            elder, young = self._account(connection, parent), self._account(connection, child)
            if elder.id == young.id:
                raise InvalidRequest(f"{parent!r} cannot be linked to itself")
            if elder.role != "parent":
                raise InvalidRequest(
                    f"{parent!r} is a person account, not a parent: "
                    "create parents with `eqm users create NAME --parent`"
                )
            if young.role != "person":
                raise InvalidRequest(f"{child!r} is a parent account: a child must be a person")
            key = (account_links.c.parent_id == elder.id) & (account_links.c.child_id == young.id)
            existing = connection.execute(
                select(account_links.c.crisis_alerts_since).where(key)
            ).first()
            # alerts cover what happens after they were turned on, never what came before
            since = None
            if crisis_alerts:
                since = (existing and existing.crisis_alerts_since) or now()
            if existing:
                connection.execute(
                    update(account_links)
                    .where(key)
                    .values(share_memories=share_memories, crisis_alerts_since=since)
                )
            else:
                connection.execute(
                    insert(account_links).values(
                        parent_id=elder.id,
                        child_id=young.id,
                        share_memories=share_memories,
                        crisis_alerts_since=since,
                        created_at=now(),
                    )
                )
            settings = {"share_memories": share_memories, "crisis_alerts": crisis_alerts}
            self._audit(connection, parent, child, "link", settings)
            return self._links(connection, key)[0]

    def unlink(self, parent: str, child: str) -> None:
        """Remove the link; the parent can no longer ask about the child."""
        with self.engine.begin() as connection:
            elder, young = self._account(connection, parent), self._account(connection, child)
            result = connection.execute(
                delete(account_links).where(
                    (account_links.c.parent_id == elder.id) & (account_links.c.child_id == young.id)
                )
            )
            if not result.rowcount:
                raise NotFound(f"{parent!r} is not linked to {child!r}")
            self._audit(connection, parent, child, "unlink", None)

    def children(self, parent: str) -> list[Link]:
        """The parent's links, by child name (empty for a person account)."""
        with self.engine.connect() as connection:
            account = self._account(connection, parent)
            return self._links(connection, account_links.c.parent_id == account.id)

    def links(self) -> list[Link]:
        """Every link, by parent then child."""
        with self.engine.connect() as connection:
            return self._links(connection)

    # who the tools run for --------------------------------------------------------------------

    def subject_for(
        self,
        account: Account,
        child: str | None,
        *,
        action: str = "ask",
        detail: dict[str, Any] | None = None,
    ) -> Subject:
        """Whose data the tools read for this request, and what the asker may see.

        A person asks about themselves. A parent must name a linked child; that access is
        written to the audit log as `action`. An unknown child and an unlinked one get the
        same answer, so nothing tells a parent which other names exist.
        """
        child = child or None
        if account.role == "person":
            if child is None:
                return Subject.self_(account.name, child=self.is_child(account))
            raise Forbidden(
                f"{account.name!r} is a person account: only a parent account can ask about a child"
            )
        if child is None:
            names = [link.child for link in self.children(account.name)]
            linked = ", ".join(names) if names else "none yet"
            raise InvalidRequest(
                f"{account.name!r} is a parent account: choose a child with the X-EQM-Child "
                f"header or the `child` field (linked children: {linked})"
            )
        with self.engine.begin() as connection:
            row = self._link_to(connection, account, child)
            self._audit(connection, account.name, child, action, detail)
        return Subject.parent_of(child, account.name, memories_shared=row.share_memories)

    def is_child(self, account: Account) -> bool:
        """Whether some parent is linked to this person."""
        with self.engine.connect() as connection:
            linked = select(account_links.c.child_id).where(account_links.c.child_id == account.id)
            return connection.execute(linked.limit(1)).first() is not None

    def crisis_alerts(self, parent: Account, child: str) -> list[datetime]:
        """When the child was given a crisis answer since their link began sharing crisis alerts.

        Only the times, and only for a risk to the child themselves: a disclosure of abuse,
        neglect or violence is never shared, since the parent may be the one it is about.
        """
        with self.engine.begin() as connection:
            row = self._link_to(connection, parent, child)
            if row.crisis_alerts_since is None:
                raise Forbidden(
                    f"the link from {parent.name!r} to {_shown(child)} does not share crisis "
                    f"alerts (off by default; `eqm users link {parent.name} CHILD --crisis-alerts`)"
                )
            self._audit(connection, parent.name, child, "read_crisis_alerts", None)
            rows = connection.execute(
                select(audit_log.c.at, audit_log.c.detail)
                .where(
                    audit_log.c.actor == child,
                    audit_log.c.subject == child,
                    audit_log.c.action == CRISIS_ACTION,
                    audit_log.c.at >= row.crisis_alerts_since,
                )
                .order_by(audit_log.c.id)
            )
            return [
                as_utc(at) for at, detail in rows if (detail or {}).get("category") in SELF_DIRECTED
            ]

    # audit ------------------------------------------------------------------------------------

    def audit(
        self, actor: str, subject: str, action: str, detail: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Record that `actor` did `action` to `subject`'s data."""
        with self.engine.begin() as connection:
            return self._audit(connection, actor, subject, action, detail)

    def audit_entries(self, person: str) -> list[AuditEntry]:
        """Every entry where the person acted or was acted on, oldest first."""
        with self.engine.connect() as connection:
            return self._audit_entries(connection, person)

    # a person's data as a whole -----------------------------------------------------------------

    def delete_user(self, name: str) -> dict[str, int]:
        """Remove the account, its keys, links and audit entries, all or nothing; the counts."""
        with self.engine.begin() as connection:
            account = self._account(connection, name)
            keys = connection.execute(delete(api_keys).where(api_keys.c.account_id == account.id))
            links = connection.execute(
                delete(account_links).where(
                    or_(
                        account_links.c.parent_id == account.id,
                        account_links.c.child_id == account.id,
                    )
                )
            )
            entries = connection.execute(delete(audit_log).where(_involves(name)))
            gone = connection.execute(delete(accounts).where(accounts.c.id == account.id))
            return {
                "accounts": gone.rowcount,
                "api_keys": keys.rowcount,
                "account_links": links.rowcount,
                "audit_log": entries.rowcount,
            }

    def export_user(self, name: str) -> dict[str, Any]:
        """Everything kept about the account, as JSON-ready data; never a key or its hash."""
        with self.engine.connect() as connection:
            account = self._account(connection, name)
            links = self._links(
                connection,
                or_(
                    account_links.c.parent_id == account.id,
                    account_links.c.child_id == account.id,
                ),
            )
            return {
                "account": account.model_dump(mode="json"),
                "keys": [k.model_dump(mode="json") for k in self._keys(connection, account)],
                "links": [link.model_dump(mode="json") for link in links],
                "audit": [e.model_dump(mode="json") for e in self._audit_entries(connection, name)],
            }

    # helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _find(connection: Connection, name: str) -> Account | None:
        row = connection.execute(select(accounts).where(accounts.c.name == name)).mappings()
        first = row.first()
        return None if first is None else Account(**first)

    @staticmethod
    def _link_to(connection: Connection, parent: Account, child: str) -> Row[Any]:
        """The parent's link to the child named `child`; an unknown child and an unlinked
        one get the same Forbidden, so nothing tells a parent which other names exist."""
        row = connection.execute(
            select(account_links.c.share_memories, account_links.c.crisis_alerts_since)
            .join(accounts, accounts.c.id == account_links.c.child_id)
            .where(account_links.c.parent_id == parent.id, accounts.c.name == child)
        ).first()
        if row is None:
            raise Forbidden(f"{parent.name!r} is not linked to a child named {_shown(child)}")
        return row

    def _account(self, connection: Connection, name: str) -> Account:
        account = self._find(connection, name)
        if account is None:
            raise NotFound(f"no account named {_shown(name)}")
        return account

    @staticmethod
    def _insert_key(connection: Connection, account_id: int, key: str) -> None:
        connection.execute(
            insert(api_keys).values(
                account_id=account_id,
                key_hash=hash_key(key),
                prefix=key[:8],
                created_at=now(),
            )
        )

    @staticmethod
    def _keys(connection: Connection, account: Account) -> list[KeyInfo]:
        k = api_keys.c
        rows = connection.execute(
            select(k.prefix, k.created_at, k.last_used_at)
            .where(k.account_id == account.id)
            .order_by(k.id)
        ).mappings()
        return [KeyInfo(**row) for row in rows]

    @staticmethod
    def _links(connection: Connection, *where: ColumnElement[bool]) -> list[Link]:
        query = _LINKS.where(*where).order_by(_parent.c.name, _child.c.name)
        return [Link(**row) for row in connection.execute(query).mappings()]

    @staticmethod
    def _audit(
        connection: Connection,
        actor: str,
        subject: str,
        action: str,
        detail: dict[str, Any] | None,
    ) -> AuditEntry:
        values = {"at": now(), "actor": actor, "subject": subject, "action": action}
        result = connection.execute(insert(audit_log).values(**values, detail=detail))
        return AuditEntry(id=result.inserted_primary_key[0], **values, detail=detail)

    @staticmethod
    def _audit_entries(connection: Connection, person: str) -> list[AuditEntry]:
        rows = connection.execute(
            select(audit_log).where(_involves(person)).order_by(audit_log.c.id)
        ).mappings()
        return [AuditEntry(**row) for row in rows]


def _involves(person: str) -> ColumnElement[bool]:
    return or_(audit_log.c.actor == person, audit_log.c.subject == person)


def _taken(name: str) -> Conflict:
    return Conflict(f"the account name {name!r} is taken: choose another")


__all__ = [
    "KEY_PREFIX",
    "Account",
    "Accounts",
    "AuditEntry",
    "KeyInfo",
    "Link",
    "Role",
    "hash_key",
    "validate_name",
]
