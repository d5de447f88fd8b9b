"""The README quickstart runs on DocuSign unchanged: only environment variables differ."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from signport.fakeserver import serve
from signport_docusign.fake import ACCOUNT_ID, FakeDocuSign, create_app

from ...samples import make_pdf

README = Path(__file__).resolve().parents[3] / "README.md"


def quickstart() -> str:
    return re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), flags=re.S)[0]


def test_readme_names_the_docusign_variables() -> None:
    text = README.read_text("utf-8")
    assert "SIGNPORT_PROVIDER=docusign" in text
    assert "SIGNPORT_DOCUSIGN_PRIVATE_KEY" in text


def test_readme_quickstart_on_docusign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(access_tokens=("readme-token",))
    fake: FakeDocuSign = app.state.fake
    (tmp_path / "nda.pdf").write_bytes(make_pdf(1))
    monkeypatch.chdir(tmp_path)
    import signport.client

    real_sleep = signport.client.time.sleep
    monkeypatch.setattr(signport.client.time, "sleep", lambda s: real_sleep(min(s, 0.05)))
    with serve(app) as url:
        for name, value in {"SIGNPORT_PROVIDER": "docusign", "SIGNPORT_DOCUSIGN_ACCESS_TOKEN": "readme-token",
                            "SIGNPORT_DOCUSIGN_ACCOUNT_ID": ACCOUNT_ID, "SIGNPORT_DOCUSIGN_BASE_URI": url,
                            "SIGNPORT_DOCUSIGN_OAUTH_BASE_URL": url,
                            "SIGNPORT_IGNORE_UNSUPPORTED": "sign_by"}.items():
            monkeypatch.setenv(name, value)
        stop = threading.Event()

        def signers() -> None:  # people signing in turn while the quickstart waits
            with httpx.Client(base_url=url) as http:
                while not stop.is_set():
                    with fake.lock:
                        turns = [(e.envelope_id, r.recipient_id) for e in fake.envelopes.values()
                                 for r in e.recipients if e.status == "sent" and r.status == "sent"]
                    for envelope_id, recipient_id in turns:
                        http.post(f"/_control/envelopes/{envelope_id}/recipients/{recipient_id}/sign")
                    stop.wait(0.02)

        thread = threading.Thread(target=signers, daemon=True)
        thread.start()
        scope: dict[str, Any] = {}
        try:
            exec(compile(quickstart(), "README.md", "exec"), scope)  # noqa: S102 (the README's own code)
        finally:
            stop.set()
            thread.join(5)
    assert scope["done"].state.value == "completed"
    assert scope["done"].provider == "docusign"
    assert [p.name for p in (tmp_path / "signed").iterdir()] == ["nda.pdf"]
    assert len(fake.envelopes) == 1
