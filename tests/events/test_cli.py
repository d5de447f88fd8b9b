"""``signport watch`` and ``client.watch``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import signport
from signport.cli import main
from signport.events import AsyncWatcher, Event, Handlers, SQLiteStore, Watcher

from ..samples import envelope
from .lifecycle import signer_id

#: Handlers the CLI test loads with --handler.
seen: list[Event] = []
handlers = Handlers()
handlers.add(seen.append)


def test_watch_once_reports_each_change_once(tmp_path: Path) -> None:
    env_vars = {"SIGNPORT_LOCAL_PATH": str(tmp_path / "local")}
    store = tmp_path / "events.sqlite3"
    with signport.connect("local", path=tmp_path / "local") as client:
        env = client.send(envelope())
        client.provider.sign(env.id, signer_id(env, "ann"))
    args = ["watch", "--provider", "local", "--store", f"sqlite:///{store}", "--once", "--json"]
    first = CliRunner().invoke(main, [*args, "--backfill", "--handler", f"{__name__}:handlers"], env=env_vars)
    assert first.exit_code == 0, first.output
    lines = [json.loads(line) for line in first.output.splitlines()]
    assert [(x["kind"], x["envelope_id"], x["verification"]) for x in lines] == [
        ("envelope_sent", env.id, "polled"), ("signer_signed", env.id, "polled")]
    assert [e.id for e in seen] == [x["id"] for x in lines]
    again = CliRunner().invoke(main, args, env=env_vars)
    assert again.exit_code == 0, again.output
    assert again.output == ""  # nothing new, nothing repeated
    assert len(SQLiteStore(store).processed_ids()) == 2


def test_watch_refuses_a_handler_it_cannot_load(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["watch", "-p", "local", "--store", str(tmp_path / "e.sqlite3"), "--once",
                                       "--handler", "no_such_module_here:x"],
                                env={"SIGNPORT_LOCAL_PATH": str(tmp_path / "local")})
    assert result.exit_code == 2
    assert "no_such_module_here" in result.output


async def test_client_watch(tmp_path: Path, store: SQLiteStore) -> None:
    got = Handlers()
    calls: list[Event] = []
    got.add(calls.append)
    with signport.connect("local", path=tmp_path / "local") as client:
        watcher = client.watch(got, store, requests_per_minute=6000)
        assert isinstance(watcher, Watcher)
        watcher.poll()
        client.send(envelope())
        assert watcher.poll() == 1
    async with signport.connect_async("local", path=tmp_path / "local") as aclient:
        awatcher = aclient.watch(got, store, name="async", backfill=True, requests_per_minute=6000)
        assert isinstance(awatcher, AsyncWatcher)
        assert await awatcher.poll() == 0  # the same change, already handled under its stable id
    assert [e.kind.value for e in calls] == ["envelope_sent"]
