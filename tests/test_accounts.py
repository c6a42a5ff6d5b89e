"""Accounts, keys, links, subjects and the audit log, on SQLite and PostgreSQL; `eqm users`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

import agent.accounts
from agent.accounts import CRISIS_ACTION, Account, Accounts, validate_name
from agent.cli import app, main
from agent.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from agent.tables import account_links, accounts, api_keys, audit_log, metadata
from brain.store import Store
from brain.store.schema import metadata as brain_metadata
from tools import Subject


@pytest.fixture
def db(store_url: str) -> Iterator[Accounts]:
    with Accounts.open(store_url) as opened:
        yield opened


@pytest.fixture
def family(db: Accounts) -> dict[str, str]:
    """alex (person) linked to sam (parent, memories shared); kim (person) linked to pat
    (parent, not shared); lee is a person linked to nobody. Returns each one's key."""
    keys = {}
    for name, parent in [("alex", False), ("sam", True), ("kim", False), ("pat", True)]:
        keys[name] = db.create_user(name, parent=parent)[1]
    keys["lee"] = db.create_user("lee")[1]
    db.link("sam", "alex", share_memories=True)
    db.link("pat", "kim")
    return keys


def count(db: Accounts, table) -> int:
    with db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def all_rows_as_text(db: Accounts) -> str:
    with db.engine.connect() as connection:
        return repr(
            [connection.execute(select(t)).all() for t in (accounts, api_keys, account_links)]
        )


def fail_on(db: Accounts, statement_start: str):
    """Make the database refuse one kind of statement, as a crash midway would."""

    def refuse(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(statement_start):
            raise RuntimeError("the database went away")

    event.listen(db.engine, "before_cursor_execute", refuse)
    return lambda: event.remove(db.engine, "before_cursor_execute", refuse)


# keys ---------------------------------------------------------------------------------------


def test_create_user_returns_a_key_that_signs_in(db: Accounts):
    account, key = db.create_user("alex")
    assert key.startswith("eqm_") and len(key) == 4 + 43
    assert (account.name, account.role) == ("alex", "person")
    assert account.created_at.tzinfo is not None
    assert db.authenticate(key) == account
    parent, parent_key = db.create_user("sam", parent=True)
    assert parent.role == "parent" and parent_key != key
    assert db.authenticate(parent_key).name == "sam"


def test_only_the_hash_of_a_key_is_stored(db: Accounts, store_url: str, tmp_path: Path):
    _, key = db.create_user("alex")
    digest = hashlib.sha256(key.encode()).hexdigest()
    with db.engine.connect() as connection:
        row = connection.execute(select(api_keys)).mappings().one()
    assert (row["key_hash"], row["prefix"]) == (digest, key[:8])
    assert key not in all_rows_as_text(db)
    assert key[8:20] not in json.dumps(db.export_user("alex"))
    assert digest not in json.dumps(db.export_user("alex"))
    if store_url.startswith("sqlite"):
        db.close()
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("eqm.sqlite3*"))
        assert digest.encode() in stored  # we are reading the right bytes
        assert key.encode() not in stored and key[4:].encode() not in stored


@pytest.mark.parametrize("key", [None, "", "eqm_nonsense", "Bearer x"])
def test_missing_or_unknown_keys_are_unauthorized(db: Accounts, key: str | None):
    db.create_user("alex")
    with pytest.raises(Unauthorized) as caught:
        db.authenticate(key)
    assert caught.value.status == 401 and caught.value.code == "unauthorized"
    if key:
        assert key not in str(caught.value)
        assert str(caught.value) == "unknown or revoked API key"
    else:
        assert "no API key" in str(caught.value)


def test_rotating_a_key_revokes_the_older_ones_at_once(db: Accounts):
    _, old = db.create_user("alex")
    spare = db.new_key("alex")
    rotated = db.new_key("alex", rotate=True)
    assert db.authenticate(rotated).name == "alex"
    for revoked in (old, spare):
        with pytest.raises(Unauthorized):
            db.authenticate(revoked)


def test_new_keys_work_alongside_old_ones_until_revoked(db: Accounts):
    _, first = db.create_user("alex")
    second = db.new_key("alex")
    _, other = db.create_user("kim")
    assert second != first
    assert db.authenticate(first).name == db.authenticate(second).name == "alex"
    assert db.revoke_keys("alex") == 2
    for key in (first, second):
        with pytest.raises(Unauthorized, match="unknown or revoked API key"):
            db.authenticate(key)
    assert db.authenticate(other).name == "kim"
    fresh = db.new_key("alex")
    assert db.authenticate(fresh).name == "alex"
    with pytest.raises(NotFound, match="no account named 'nobody'"):
        db.new_key("nobody")


def test_last_used_at_is_written_cheaply(db: Accounts):
    _, key = db.create_user("alex")
    assert db.keys("alex")[0].last_used_at is None
    db.authenticate(key)
    first = db.keys("alex")[0].last_used_at
    assert first is not None and first.tzinfo is not None
    db.authenticate(key)  # within a minute: no second write
    assert db.keys("alex")[0].last_used_at == first


# names --------------------------------------------------------------------------------------


def test_duplicate_names_conflict(db: Accounts):
    db.create_user("alex")
    with pytest.raises(Conflict) as caught:
        db.create_user("alex", parent=True)
    assert caught.value.status == 409
    assert str(caught.value) == "the account name 'alex' is taken: choose another"
    assert count(db, accounts) == 1 and count(db, api_keys) == 1


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "ålex", "a/b", "alex\n", "ünï"])
def test_bad_names_are_invalid(db: Accounts, name: str):
    with pytest.raises(InvalidRequest) as caught:
        db.create_user(name)
    assert caught.value.status == 400
    assert "use 1-64 letters, digits, '_', '.' or '-'" in str(caught.value)
    assert count(db, accounts) == 0


def test_good_names_are_kept_exactly():
    for name in ("a", "Alex.B-2_x", "x" * 64):
        assert validate_name(name) == name


# links --------------------------------------------------------------------------------------


def test_link_rules(db: Accounts, family: dict[str, str]):
    with pytest.raises(InvalidRequest, match="'alex' is a person account, not a parent"):
        db.link("alex", "kim")
    with pytest.raises(InvalidRequest, match="'pat' is a parent account: a child must be"):
        db.link("sam", "pat")
    with pytest.raises(InvalidRequest, match="'sam' cannot be linked to itself"):
        db.link("sam", "sam")
    with pytest.raises(NotFound, match="no account named 'zed'"):
        db.link("sam", "zed")
    assert [(x.parent, x.child, x.share_memories) for x in db.links()] == [
        ("pat", "kim", False),
        ("sam", "alex", True),
    ]


def test_relinking_changes_only_share_memories(db: Accounts, family: dict[str, str]):
    before = db.children("sam")[0]
    after = db.link("sam", "alex", share_memories=False)
    assert (after.child, after.share_memories, after.created_at) == (
        "alex",
        False,
        before.created_at,
    )
    assert db.children("sam") == [after]
    assert count(db, account_links) == 2


def test_crisis_alerts_are_off_by_default_and_share_only_when_and_only_self_harm(
    db: Accounts, family: dict[str, str]
):
    sam = db.authenticate(family["sam"])
    assert not db.children("sam")[0].crisis_alerts
    with pytest.raises(Forbidden, match="does not share crisis alerts"):
        db.crisis_alerts(sam, "alex")
    before = {"reason": "y", "category": "self_harm"}
    db.audit("alex", "alex", CRISIS_ACTION, before)  # before alerts were on: never shared
    link = db.link("sam", "alex", share_memories=True, crisis_alerts=True)
    assert link.crisis_alerts and db.crisis_alerts(sam, "alex") == []
    db.audit("alex", "alex", CRISIS_ACTION, {"reason": "y", "category": "self_harm"})
    db.audit("alex", "alex", CRISIS_ACTION, {"reason": "x", "category": "child_abuse"})
    db.audit("sam", "sam", CRISIS_ACTION, {"reason": "x", "category": "suicidal_active"})
    # linking again keeps the moment alerts began
    again = db.link("sam", "alex", crisis_alerts=True)
    assert again.crisis_alerts_since == link.crisis_alerts_since
    alerts = db.crisis_alerts(sam, "alex")
    # the child's own self-harm turn only: not the abuse disclosure, not the parent's own
    assert len(alerts) == 1 and alerts[0].tzinfo is not None
    assert db.audit_entries("alex")[-1].action == "read_crisis_alerts"
    assert not db.link("sam", "alex").crisis_alerts
    with pytest.raises(Forbidden, match="does not share crisis alerts"):
        db.crisis_alerts(sam, "alex")
    with pytest.raises(Forbidden, match="not linked to a child named 'kim'"):
        db.crisis_alerts(sam, "kim")


def test_an_older_database_gets_the_crisis_alerts_column(tmp_path: Path):
    from sqlalchemy import create_engine, inspect, text

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE account_links (parent_id INTEGER NOT NULL, child_id INTEGER NOT "
                "NULL, share_memories BOOLEAN NOT NULL, created_at DATETIME NOT NULL, "
                "PRIMARY KEY (parent_id, child_id))"
            )
        )
        connection.execute(text("INSERT INTO account_links VALUES (1, 2, 1, '2026-01-01')"))
    with Accounts.open(url) as opened:
        columns = {c["name"] for c in inspect(opened.engine).get_columns("account_links")}
        assert "crisis_alerts_since" in columns
        with opened.engine.connect() as connection:
            query = text("SELECT share_memories, crisis_alerts_since FROM account_links")
            assert connection.execute(query).one() == (1, None)


def test_unlink(db: Accounts, family: dict[str, str]):
    db.unlink("sam", "alex")
    assert db.children("sam") == [] and len(db.children("pat")) == 1
    with pytest.raises(NotFound, match="'sam' is not linked to 'alex'"):
        db.unlink("sam", "alex")
    assert [e.action for e in db.audit_entries("alex")] == ["link", "unlink"]


# subjects -----------------------------------------------------------------------------------


def test_a_person_asks_about_themselves(db: Accounts, family: dict[str, str]):
    alex, lee = db.authenticate(family["alex"]), db.authenticate(family["lee"])
    # alex is some parent's child: a crisis answer names helplines for young people
    assert db.subject_for(alex, None) == Subject.self_("alex", child=True)
    assert db.subject_for(alex, "").asker_is_child
    assert db.subject_for(lee, None) == Subject.self_("lee")
    assert not db.subject_for(lee, None).asker_is_child
    with pytest.raises(Forbidden) as caught:
        db.subject_for(alex, "kim")
    assert caught.value.status == 403
    assert str(caught.value) == (
        "'alex' is a person account: only a parent account can ask about a child"
    )


def test_a_parent_must_choose_a_child(db: Accounts, family: dict[str, str]):
    sam = db.authenticate(family["sam"])
    with pytest.raises(InvalidRequest) as caught:
        db.subject_for(sam, None)
    assert str(caught.value) == (
        "'sam' is a parent account: choose a child with the X-EQM-Child header or the "
        "`child` field (linked children: alex)"
    )
    db.unlink("sam", "alex")
    with pytest.raises(InvalidRequest, match=r"\(linked children: none yet\)"):
        db.subject_for(sam, None)


def test_a_linked_parent_gets_the_child_and_is_audited(db: Accounts, family: dict[str, str]):
    sam, pat = db.authenticate(family["sam"]), db.authenticate(family["pat"])
    subject = db.subject_for(sam, "alex", action="chat", detail={"model": "eqm"})
    assert subject == Subject(person="alex", asker="sam", can_read_memories=True)
    assert db.subject_for(pat, "kim") == Subject(person="kim", asker="pat", can_read_memories=False)
    last = db.audit_entries("alex")[-1]
    assert (last.actor, last.subject, last.action, last.detail) == (
        "sam",
        "alex",
        "chat",
        {"model": "eqm"},
    )
    assert db.audit_entries("kim")[-1].action == "ask"


def test_unknown_and_unlinked_children_look_the_same(db: Accounts, family: dict[str, str]):
    sam = db.authenticate(family["sam"])
    before = count(db, audit_log)
    messages = []
    for child in ("kim", "zed", "pat", "sam"):  # linked elsewhere, unknown, a parent, self
        with pytest.raises(Forbidden) as caught:
            db.subject_for(sam, child)
        messages.append(str(caught.value).removesuffix(repr(child)))
    assert set(messages) == {"'sam' is not linked to a child named "}
    assert count(db, audit_log) == before  # refusals read nothing, so log nothing


def test_a_huge_child_name_gives_a_short_message(db: Accounts, family: dict[str, str]):
    sam = db.authenticate(family["sam"])
    with pytest.raises(Forbidden) as caught:
        db.subject_for(sam, "x" * 10_000)
    assert len(str(caught.value)) < 150


# audit --------------------------------------------------------------------------------------


def test_audit_entries_are_where_the_person_acts_or_is_acted_on(db: Accounts):
    db.audit("sam", "alex", "chat")
    db.audit("alex", "alex", "export", {"rows": 3})
    db.audit("pat", "kim", "chat")
    entries = db.audit_entries("alex")
    assert [(e.actor, e.subject, e.action, e.detail) for e in entries] == [
        ("sam", "alex", "chat", None),
        ("alex", "alex", "export", {"rows": 3}),
    ]
    assert entries[0].id < entries[1].id and entries[0].at.tzinfo is not None
    assert [e.action for e in db.audit_entries("sam")] == ["chat"]
    assert db.audit_entries("nobody") == []


# a person's data as a whole -------------------------------------------------------------------


def test_delete_user_removes_everything_of_theirs_and_nothing_else(
    db: Accounts, family: dict[str, str]
):
    db.new_key("alex")
    db.subject_for(db.authenticate(family["sam"]), "alex")
    db.subject_for(db.authenticate(family["pat"]), "kim")
    db.audit("sam", "sam", "export")
    counts = db.delete_user("alex")
    # link + one subject_for entry from sam
    assert counts == {"accounts": 1, "api_keys": 2, "account_links": 1, "audit_log": 2}
    with pytest.raises(NotFound):
        db.user("alex")
    with pytest.raises(Unauthorized):
        db.authenticate(family["alex"])
    assert db.audit_entries("alex") == []
    assert db.children("sam") == []
    assert [e.action for e in db.audit_entries("sam")] == ["export"]
    assert [(x.parent, x.child) for x in db.links()] == [("pat", "kim")]
    assert [e.action for e in db.audit_entries("kim")] == ["link", "ask"]
    for name in ("sam", "kim", "pat", "lee"):
        assert db.authenticate(family[name]).name == name
    with pytest.raises(NotFound):
        db.delete_user("alex")


def test_deleting_a_parent_removes_their_links(db: Accounts, family: dict[str, str]):
    assert db.delete_user("sam")["account_links"] == 1
    alex = db.authenticate(family["alex"])
    assert db.subject_for(alex, None) == Subject.self_("alex")
    assert len(db.links()) == 1


def test_export_user_is_complete_scoped_and_keyless(db: Accounts, family: dict[str, str]):
    db.subject_for(db.authenticate(family["sam"]), "alex", action="chat")
    db.subject_for(db.authenticate(family["pat"]), "kim")
    exported = db.export_user("alex")
    assert exported["account"]["name"] == "alex" and exported["account"]["role"] == "person"
    assert [k["prefix"] for k in exported["keys"]] == [family["alex"][:8]]
    assert set(exported["keys"][0]) == {"prefix", "created_at", "last_used_at"}
    assert [(x["parent"], x["child"], x["share_memories"]) for x in exported["links"]] == [
        ("sam", "alex", True)
    ]
    assert [(e["actor"], e["action"]) for e in exported["audit"]] == [
        ("sam", "link"),
        ("sam", "chat"),
    ]
    text = json.dumps(exported)  # JSON-ready as it is
    assert "kim" not in text and "pat" not in text
    assert family["alex"] not in text
    assert hashlib.sha256(family["alex"].encode()).hexdigest() not in text


# all or nothing -----------------------------------------------------------------------------


def test_a_failed_create_leaves_no_account_behind(db: Accounts, monkeypatch):
    monkeypatch.setattr(agent.accounts, "_new_key", lambda: "eqm_the-same-key-every-time")
    db.create_user("alex")
    with pytest.raises(IntegrityError):  # the key's hash collides after the account row
        db.create_user("kim")
    assert [a.name for a in db.users()] == ["alex"]
    assert count(db, api_keys) == 1


def test_a_failed_delete_leaves_everything_in_place(db: Accounts, family: dict[str, str]):
    before = (count(db, accounts), count(db, api_keys), count(db, account_links))
    entries = db.audit_entries("alex")
    restore = fail_on(db, "DELETE FROM ACCOUNTS")
    with pytest.raises(Exception, match="the database went away"):
        db.delete_user("alex")
    restore()
    assert (count(db, accounts), count(db, api_keys), count(db, account_links)) == before
    assert db.audit_entries("alex") == entries
    assert db.authenticate(family["alex"]).name == "alex"


def test_a_failed_audit_write_gives_no_subject(db: Accounts, family: dict[str, str]):
    sam = db.authenticate(family["sam"])
    restore = fail_on(db, "INSERT INTO AUDIT_LOG")
    with pytest.raises(Exception, match="the database went away"):
        db.subject_for(sam, "alex")
    restore()
    assert [e.action for e in db.audit_entries("alex")] == ["link"]


# living beside the brain store --------------------------------------------------------------


def test_agent_tables_live_beside_the_brain_store(store_url: str):
    assert not set(metadata.tables) & set(brain_metadata.tables)
    with Store.open(store_url) as store, Accounts.open(store_url) as db:
        db.create_user("alex")
        assert store.engine.url == db.engine.url
    with Store.open(store_url), Accounts.open(store_url) as db:  # both reopen cleanly
        assert [a.name for a in db.users()] == ["alex"]


# eqm users ----------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("EQM_DATABASE_URL", raising=False)
    return {"EQM_DATA_DIR": str(tmp_path / "eqm")}


def key_from(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("api key: "))[9:]


def test_cli_create_link_list_and_key(env: dict[str, str], tmp_path: Path):
    runner = CliRunner()
    made = runner.invoke(app, ["users", "create", "alex"], env=env)
    assert made.exit_code == 0, made.output
    assert made.output.startswith("created person account 'alex'\n")
    assert "This key will not be shown again" in made.output
    alex_key = key_from(made.output)
    assert runner.invoke(app, ["users", "create", "sam", "--parent"], env=env).exit_code == 0
    linked = runner.invoke(app, ["users", "link", "sam", "alex", "--share-memories"], env=env)
    assert linked.output == "linked 'sam' to 'alex' (memories shared, crisis alerts off)\n"
    listed = runner.invoke(app, ["users", "list"], env=env)
    assert listed.output.splitlines() == [
        "alex  person",
        "sam   parent  children: alex (memories shared)",
    ]
    assert "eqm_" not in listed.output
    as_json = json.loads(runner.invoke(app, ["users", "list", "--json"], env=env).output)
    assert [(u["name"], len(u["children"])) for u in as_json] == [("alex", 0), ("sam", 1)]
    fresh = key_from(runner.invoke(app, ["users", "key", "alex"], env=env).output)
    assert (tmp_path / "eqm" / "eqm.sqlite3").exists()  # EQM_DATA_DIR is respected
    with Accounts.open(f"sqlite:///{tmp_path / 'eqm' / 'eqm.sqlite3'}") as db:
        assert db.authenticate(alex_key).name == db.authenticate(fresh).name == "alex"
    revoked = runner.invoke(app, ["users", "revoke", "alex"], env=env)
    assert revoked.output == "revoked 2 keys of 'alex'\n"
    unlinked = runner.invoke(app, ["users", "unlink", "sam", "alex"], env=env)
    assert unlinked.output == "unlinked 'sam' from 'alex'\n"


def test_cli_uses_the_database_url(store_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EQM_DATABASE_URL", store_url)
    result = CliRunner().invoke(app, ["users", "create", "kim", "--parent"])
    assert result.exit_code == 0 and "created parent account 'kim'" in result.output
    with Accounts.open(store_url) as db:
        assert db.authenticate(key_from(result.output)) == Account(**db.user("kim").model_dump())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def test_cli_errors_are_one_line_with_exit_code_1(env, capsys, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert run(capsys, "users", "create", "alex")[0] == 0
    assert run(capsys, "users", "create", "alex") == (
        1,
        "",
        "error: the account name 'alex' is taken: choose another\n",
    )
    code, out, err = run(capsys, "users", "link", "alex", "alex")
    assert (code, out, err) == (1, "", "error: 'alex' cannot be linked to itself\n")
    code, _, err = run(capsys, "users", "key", "nobody")
    assert (code, err) == (1, "error: no account named 'nobody'\n")
    code, _, err = run(capsys, "users", "create", "not ok")
    assert code == 1 and err.startswith("error: invalid account name 'not ok'")


def test_every_users_command_has_help_and_an_example():
    from agent.cli.users import app as users_app

    names = {c.name or c.callback.__name__ for c in users_app.registered_commands}
    assert {"create", "link", "list", "key"} <= names
    for command in users_app.registered_commands:
        assert "Example: eqm users " in (command.callback.__doc__ or ""), command.name
    result = CliRunner().invoke(app, ["users", "create", "--help"])
    assert result.exit_code == 0 and "--parent" in result.output
