"""The mounting examples of docs/events.md, run with a receiver of the test's own: Starlette, FastAPI,
Flask and Django.

Each framework's block in the document is the top of ``examples/events_<framework>.py`` (included by
``docs/include_examples.py``), which imports its receiver from ``events_receiver``; here that module is
one holding the test's receiver, and the file itself is executed unchanged.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport.events import Event, Handlers, Receiver, SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "events.md"
EXAMPLES = ROOT / "examples"


def mounting_includes() -> list[str]:
    """The files the document's "Mounting it" section shows, in order."""
    section = DOC.read_text("utf-8").split("### Mounting it", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^<!-- include: ([\w./:-]+) -->\n```python\n", section, flags=re.MULTILINE)


def mount(name: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Execute ``examples/events_<name>.py`` as the module ``events_<name>``, importing ``receiver`` as its own."""
    shared = types.ModuleType("events_receiver")
    shared.__dict__["receiver"] = receiver
    monkeypatch.setitem(sys.modules, "events_receiver", shared)
    spec = importlib.util.spec_from_file_location(f"events_{name}", EXAMPLES / f"events_{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Receiver, list[Event], list[tuple[dict[str, str], bytes]]]]:
    calls: list[Event] = []
    handlers = Handlers()
    handlers.add(calls.append)
    with signport.connect("local", path=tmp_path / "local") as local:
        from ..samples import envelope

        env = local.send(envelope())
        sent = local.provider.webhook_deliveries(env.id)
        with signport.connect("iinked", api_key="k", base_url="http://127.0.0.1:9/api/v1") as iinked:
            receiver = Receiver({"iinked": iinked, "local": local}, handlers, SQLiteStore(tmp_path / "e.sqlite3"))
            yield receiver, calls, sent


def test_the_doc_shows_the_three_files() -> None:
    assert mounting_includes() == ["examples/events_asgi.py:mount", "examples/events_flask.py:mount",
                                   "examples/events_django.py:mount"]


@pytest.mark.parametrize("name", ["app", "api"])
async def test_starlette_and_fastapi(setup: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver, calls, sent = setup
    app = getattr(mount("asgi", receiver, monkeypatch), name)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
        for headers, body in sent:
            reply = await http.post("/webhooks/local", headers=headers, content=body)
            assert reply.json() == {"outcome": "handled"}
        assert (await http.post("/webhooks/local", headers=sent[0][0], content=sent[0][1])).json() == {
            "outcome": "duplicate"}
        assert (await http.post("/webhooks/nobody", content=b"{}")).status_code == 404
    assert [e.native_kind for e in calls] == ["envelope_created", "envelope_sent"]


def test_flask(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver, calls, sent = setup
    flask_app = mount("flask", receiver, monkeypatch).flask_app
    client = flask_app.test_client()
    assert client.get("/").text == "the application's own page"  # the application's routes still answer
    for headers, body in sent:
        assert client.post("/webhooks/local", headers=headers, data=body).json == {"outcome": "handled"}
    assert client.get("/webhooks/local").status_code == 405
    assert [e.native_kind for e in calls] == ["envelope_created", "envelope_sent"]


def test_django(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import django
    from django.conf import settings

    receiver, calls, sent = setup
    urls = mount("django", receiver, monkeypatch)
    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=urls.__name__,
                           SECRET_KEY="only-for-tests", MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
                           INSTALLED_APPS=[], USE_TZ=True)
        django.setup()
    else:
        settings.ROOT_URLCONF = urls.__name__
    from django.test import Client
    from django.urls import clear_url_caches

    clear_url_caches()
    client = Client(enforce_csrf_checks=True)
    for headers, body in sent:
        reply = client.post("/webhooks/local", data=body, content_type="application/json",
                            headers={k: v for k, v in headers.items() if k != "content-type"})
        assert reply.status_code == 200, reply.content
        assert reply.json() == {"outcome": "handled"}
    assert client.post("/webhooks/iinked", data=b"[]", content_type="application/json").status_code == 400
    assert [e.native_kind for e in calls] == ["envelope_created", "envelope_sent"]
