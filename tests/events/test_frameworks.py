"""The mounting examples of docs/events.md, run as written: Starlette, FastAPI, Flask and Django."""

from __future__ import annotations

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

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def mounting_snippets() -> list[str]:
    text = DOC.read_text("utf-8")
    section = text.split("### Mounting it", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


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


def run(snippet: str, receiver: Receiver) -> dict[str, Any]:
    namespace: dict[str, Any] = {"receiver": receiver, "__name__": "docs_events_snippet"}
    exec(compile(snippet, str(DOC), "exec"), namespace)  # noqa: S102 - the documentation's own code
    return namespace


def test_the_doc_has_the_three_mountings() -> None:
    snippets = mounting_snippets()
    assert len(snippets) == 3
    assert "Starlette" in snippets[0]
    assert "FastAPI" in snippets[0]
    assert "Flask" in snippets[1]
    assert "django" in snippets[2]


@pytest.mark.parametrize("name", ["app", "api"])
async def test_starlette_and_fastapi(setup: Any, name: str) -> None:
    receiver, calls, sent = setup
    app = run(mounting_snippets()[0], receiver)[name]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
        for headers, body in sent:
            reply = await http.post("/webhooks/local", headers=headers, content=body)
            assert reply.json() == {"outcome": "handled"}
        assert (await http.post("/webhooks/local", headers=sent[0][0], content=sent[0][1])).json() == {
            "outcome": "duplicate"}
        assert (await http.post("/webhooks/nobody", content=b"{}")).status_code == 404
    assert [e.native_kind for e in calls] == ["envelope_created", "envelope_sent"]


def test_flask(setup: Any) -> None:
    receiver, calls, sent = setup
    flask_app = run(mounting_snippets()[1], receiver)["flask_app"]

    @flask_app.route("/")
    def index() -> str:
        return "the application's own page"

    client = flask_app.test_client()
    assert client.get("/").text == "the application's own page"
    for headers, body in sent:
        assert client.post("/webhooks/local", headers=headers, data=body).json == {"outcome": "handled"}
    assert client.get("/webhooks/local").status_code == 405
    assert [e.native_kind for e in calls] == ["envelope_created", "envelope_sent"]


def test_django(setup: Any) -> None:
    import django
    from django.conf import settings

    receiver, calls, sent = setup
    urls = types.ModuleType("docs_events_django_urls")
    urls.__dict__.update(run(mounting_snippets()[2], receiver))
    sys.modules[urls.__name__] = urls
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
