"""pytest plugin: signport clients for an application's own test suite, offline.

Installed with signport (entry point ``pytest11``), so the fixtures are available in any test:

* ``signport_local``: a ``Client`` on the ``local`` provider, its store in the test's ``tmp_path``,
  closed after the test. Parametrise it with a provider name to make local *emulate* that vendor
  (its capabilities and input rules, so what the vendor would refuse is refused locally with the
  same error)::

      @pytest.mark.parametrize("signport_local", [None, "iinked", "easyink"], indirect=True)
      def test_send(signport_local): ...

  or mark the test ``@pytest.mark.signport_emulate("easyink")``.
* ``signport_local_async``: the same as an ``AsyncClient`` (when pytest-asyncio is installed).
* ``signport_local_path``: the folder of that store; both clients in one test share it.
* ``signport_iinked_fake``, ``signport_easyink_fake`` and ``signport_docusign_fake``: the vendor's fake
  served on 127.0.0.1 for the test, as a ``FakeVendor``: ``.client`` is a connected ``Client``;
  ``.sign(envelope, signer)``, ``.decline(...)`` and ``.expire(envelope)`` do what people and time do
  (DocuSign has no expiry to simulate); ``.fault(...)`` makes the next matching requests fail. The
  ``..._fake_async`` fixtures give an ``AsyncClient`` instead. The fakes need the ``fakes`` extra
  (``pip install "signport[fakes]"``).

Outside pytest, ``running_fake("easyink")`` starts the same fake and yields the same handle.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import httpx
import pytest

if TYPE_CHECKING:
    from .client import AsyncClient, Client
    from .model import Envelope, Signer

C = TypeVar("C")
EMULATE_MARKER = "signport_emulate"


def pytest_configure(config: pytest.Config) -> None:
    """Declare the plugin's marker (so ``--strict-markers`` suites accept it)."""
    config.addinivalue_line("markers", f"{EMULATE_MARKER}(provider): the signport_local fixture emulates "
                                       "that provider's capabilities and input rules")


# --- local ---------------------------------------------------------------------------------------------
@pytest.fixture
def signport_local_path(tmp_path: Path) -> Path:
    """The folder of this test's ``local`` store (SQLite file and PDFs), inside ``tmp_path``."""
    return tmp_path / "signport-local"


def _emulate(request: pytest.FixtureRequest) -> str | None:
    """The provider to emulate: the fixture's parameter, else the ``signport_emulate`` marker, else none."""
    param = getattr(request, "param", None)
    if param is not None:
        return str(param)
    marker = request.node.get_closest_marker(EMULATE_MARKER)
    if marker is not None and marker.args:
        return str(marker.args[0])
    return None


@pytest.fixture
def signport_local(request: pytest.FixtureRequest, signport_local_path: Path) -> Iterator[Client]:
    """A ``Client`` on the ``local`` provider with a fresh store; closed after the test.

    Parametrised (``indirect=True``) or marked with a provider name, local emulates that provider.
    """
    import signport

    with signport.connect("local", path=signport_local_path, emulate=_emulate(request) or "") as client:
        yield client


if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def signport_local_async(request: pytest.FixtureRequest,
                                   signport_local_path: Path) -> AsyncIterator[AsyncClient]:
        """An ``AsyncClient`` on the ``local`` provider with a fresh store; closed after the test."""
        import signport

        async with signport.connect_async("local", path=signport_local_path,
                                          emulate=_emulate(request) or "") as client:
            yield client


# --- vendor fakes ----------------------------------------------------------------------------------------
def _ref(value: Envelope | str) -> str:
    ident = value if isinstance(value, str) else value.id
    if not ident:
        raise ValueError("the envelope has no id yet (send it first)")
    return ident


class FakeControl:
    """The hands that act on a vendor fake: signers sign or decline, time expires, requests fail.

    ``root`` is the fake's address; the calls go over HTTP to its control endpoints (so a
    recorded cassette holds them too). Envelopes and signers are given as objects or ids; a
    signer may also be given by its ``key`` or position when the envelope is an ``Envelope``.
    """

    name: ClassVar[str] = ""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")
        self._http = httpx.Client(base_url=self.root, timeout=10.0)

    def close(self) -> None:
        """Close the control connection."""
        self._http.close()

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``signport.connect(name, ...)`` that reach this fake."""
        raise NotImplementedError

    def connect(self, **overrides: Any) -> Client:
        """A new ``Client`` on the fake (the caller closes it)."""
        import signport

        return signport.connect(self.name, **self.settings(**overrides))

    def connect_async(self, **overrides: Any) -> AsyncClient:
        """A new ``AsyncClient`` on the fake (the caller closes it)."""
        import signport

        return signport.connect_async(self.name, **self.settings(**overrides))

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """POST to a control endpoint; a refusal (not the signer's turn, ...) raises ``AssertionError``."""
        response = self._http.post(path, json=dict(body or {}))
        if not response.is_success:
            raise AssertionError(f"{self.name} fake refused {path}: HTTP {response.status_code} {response.text}")
        return response.json()

    @staticmethod
    def _signer(envelope: Envelope | str, signer: Signer | str | int) -> str:
        if isinstance(signer, int | str) and not isinstance(envelope, str):
            for i, s in enumerate(envelope.signers):
                if signer in (i, s.key, s.id) and s.id:
                    return s.id
        if isinstance(signer, int):
            raise ValueError("a signer given by position needs the Envelope, not its id")
        ident = signer if isinstance(signer, str) else signer.id
        if not ident:
            raise ValueError("the signer has no id yet (send the envelope first)")
        return ident

    def sign(self, envelope: Envelope | str, signer: Signer | str | int) -> None:
        """That signer signs (in a sequential order, only the one whose turn it is may)."""
        raise NotImplementedError

    def decline(self, envelope: Envelope | str, signer: Signer | str | int, reason: str | None = None) -> None:
        """That signer declines."""
        raise NotImplementedError

    def expire(self, envelope: Envelope | str) -> None:
        """The envelope's sign-by date passes."""
        raise NotImplementedError

    def fault(self, path: str, *, method: str | None = None, status: int = 503, times: int = 1,
              retry_after: str | float | None = None, body: Mapping[str, Any] | None = None,
              truncate: int | None = None) -> None:
        """The next ``times`` requests whose path matches the regex ``path`` (and ``method``) fail with
        ``status`` (``Retry-After`` and a JSON ``body`` if given), or with ``truncate`` their real body is
        cut after that many bytes. Retries count: a GET retried after a 503 is a second match."""
        rule: dict[str, Any] = {"path": path, "status": status, "times": times}
        if method:
            rule["method"] = method.upper()
        if retry_after is not None:
            rule["retry_after"] = str(retry_after)
        if body is not None:
            rule["body"] = dict(body)
        if truncate is not None:
            rule["truncate"] = truncate
        self._http.post("/_faults", json=rule).raise_for_status()

    def clear_faults(self) -> None:
        """Forget faults not yet used, and the record of those that were."""
        self._http.delete("/_faults").raise_for_status()

    @property
    def fault_hits(self) -> list[str]:
        """``"METHOD /path"`` of every request a fault answered so far."""
        return list(self._http.get("/_faults").json()["hits"])


class IinkedControl(FakeControl):
    """Control of the iinked Sign fake (``signport_iinked.fake``)."""

    name: ClassVar[str] = "iinked"
    #: The API key the fake accepts (not a credential).
    API_KEY: ClassVar[str] = "iinked-fake-key"

    def __init__(self, root: str, api_key: str | None = None) -> None:
        super().__init__(root)
        self.api_key = api_key or self.API_KEY

    @staticmethod
    def app(**options: Any) -> Any:
        from signport_iinked.fake import create_app

        return create_app(**options)

    def settings(self, **overrides: Any) -> dict[str, Any]:
        from signport_iinked.fake import FAKE_WEBHOOK_SECRET
        from signport_iinked.provider import hmac_verifier

        return {"api_key": self.api_key, "base_url": f"{self.root}/api/v1", "generate_signer_links": True,
                "webhook_secret": FAKE_WEBHOOK_SECRET, "webhook_verifier": hmac_verifier(encoding="base64"),
                **overrides}

    def sign(self, envelope: Envelope | str, signer: Signer | str | int) -> None:
        self.post(f"/_control/packages/{_ref(envelope)}/sign/{self._signer(envelope, signer)}")

    def decline(self, envelope: Envelope | str, signer: Signer | str | int, reason: str | None = None) -> None:
        self.post(f"/_control/packages/{_ref(envelope)}/decline/{self._signer(envelope, signer)}",
                  {"reason": reason})

    def expire(self, envelope: Envelope | str) -> None:
        self.post(f"/_control/packages/{_ref(envelope)}/expire")

    def webhook(self, envelope: Envelope | str, action: str, **extra: str) -> tuple[dict[str, str], bytes]:
        """The delivery the fake would post for ``action`` (e.g. ``package_executed``): headers and body."""
        delivery = self.post(f"/_control/packages/{_ref(envelope)}/webhook", {"action": action, **extra})
        return dict(delivery["headers"]), str(delivery["body"]).encode("utf-8")


class EasyInkControl(FakeControl):
    """Control of the EasyInk fake (``signport_easyink.fake``)."""

    name: ClassVar[str] = "easyink"
    #: The bearer token the fake accepts (not a credential).
    TOKEN: ClassVar[str] = "easyink-fake-token"  # noqa: S105
    #: Short waits for document processing: the fake is quick.
    FAST: ClassVar[Mapping[str, float]] = {"poll_interval": 0.01, "poll_max": 0.05, "processing_timeout": 5.0}

    def __init__(self, root: str, token: str | None = None, token_store: Path | None = None) -> None:
        super().__init__(root)
        self.token = token or self.TOKEN
        self.token_store = token_store

    @staticmethod
    def app(**options: Any) -> Any:
        from signport_easyink.fake import create_app

        return create_app(**options)

    def settings(self, **overrides: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"access_token": self.token, "base_url": self.root, "identity_url": self.root,
                               **self.FAST}
        if self.token_store is not None:
            out["token_store"] = str(self.token_store)
        return out | overrides

    def _participant(self, envelope: Envelope | str, signer: Signer | str | int, action: str) -> str:
        return f"/_control/sessions/{_ref(envelope)}/participants/{self._signer(envelope, signer)}/{action}"

    def sign(self, envelope: Envelope | str, signer: Signer | str | int) -> None:
        self.post(self._participant(envelope, signer, "sign"))

    def decline(self, envelope: Envelope | str, signer: Signer | str | int, reason: str | None = None) -> None:
        self.post(self._participant(envelope, signer, "decline"), {"reason": reason})

    def expire(self, envelope: Envelope | str) -> None:
        self.post(f"/_control/sessions/{_ref(envelope)}/expire")


class DocuSignControl(FakeControl):
    """Control of the DocuSign fake (``signport_docusign.fake``): REST, OAuth and Connect on one host."""

    name: ClassVar[str] = "docusign"
    #: The bearer token the fake accepts (not a credential).
    TOKEN: ClassVar[str] = "docusign-fake-token"  # noqa: S105
    #: The Connect HMAC keys the fake signs with and clients verify against (not credentials).
    HMAC_KEYS: ClassVar[tuple[str, ...]] = ("docusign-fake-hmac-1", "docusign-fake-hmac-2")

    def __init__(self, root: str, token: str | None = None) -> None:
        super().__init__(root)
        self.token = token or self.TOKEN

    @staticmethod
    def app(**options: Any) -> Any:
        from signport_docusign.fake import create_app

        options.setdefault("hmac_keys", DocuSignControl.HMAC_KEYS)
        return create_app(**options)

    def settings(self, **overrides: Any) -> dict[str, Any]:
        from signport_docusign.fake import ACCOUNT_ID

        return {"access_token": self.token, "account_id": ACCOUNT_ID, "base_uri": self.root,
                "oauth_base_url": self.root, "embedded_signers": True, "return_url": "https://app.example.com/done",
                "webhook_secrets": ",".join(self.HMAC_KEYS), **overrides}

    def _recipient(self, envelope: Envelope | str, signer: Signer | str | int, action: str) -> str:
        return f"/_control/envelopes/{_ref(envelope)}/recipients/{self._signer(envelope, signer)}/{action}"

    def sign(self, envelope: Envelope | str, signer: Signer | str | int) -> None:
        self.post(self._recipient(envelope, signer, "sign"))

    def decline(self, envelope: Envelope | str, signer: Signer | str | int, reason: str | None = None) -> None:
        self.post(self._recipient(envelope, signer, "decline"), {"reason": reason})

    def expire(self, envelope: Envelope | str) -> None:
        """DocuSign reports expiry as ``voided`` with an undocumented reason (docs/vendors/docusign.md §3.1):
        there is nothing faithful to simulate."""
        raise NotImplementedError("the DocuSign fake cannot expire an envelope: DocuSign has no expired status")

    def webhook(self, envelope: Envelope | str, event: str, **extra: str) -> tuple[dict[str, str], bytes]:
        """The Connect message the fake would post for ``event`` (e.g. ``envelope-completed``): headers, body."""
        delivery = self.post(f"/_control/envelopes/{_ref(envelope)}/webhook", {"event": event, **extra})
        return dict(delivery["headers"]), str(delivery["body"]).encode("utf-8")


CONTROLS: dict[str, type[IinkedControl] | type[EasyInkControl] | type[DocuSignControl]] = {
    "iinked": IinkedControl, "easyink": EasyInkControl, "docusign": DocuSignControl}


class FakeVendor(Generic[C]):
    """A fixture's view of a running fake: ``client`` (connected), ``control`` and its shortcuts."""

    def __init__(self, control: FakeControl, client: C) -> None:
        self.control = control
        self.client = client
        self.name = control.name
        self.url = control.root
        self.sign = control.sign
        self.decline = control.decline
        self.expire = control.expire
        self.fault = control.fault
        self.clear_faults = control.clear_faults
        self.settings = control.settings
        self.connect = control.connect
        self.connect_async = control.connect_async


@contextlib.contextmanager
def running_fake(name: str, *, credential: str | None = None, tmp_path: Path | None = None,
                 **options: Any) -> Iterator[FakeControl]:
    """Serve the ``name`` fake (with fault injection) on 127.0.0.1 until the block ends; yields its control.

    The fake accepts only ``credential`` (an API key or bearer token; a fixed test value by default),
    and clients from the control use it. ``options`` go to the fake's ``create_app``.
    """
    from .fakeserver import Faults, serve

    kind = CONTROLS.get(name)
    if kind is None:
        raise ValueError(f"no fake for {name!r}; fakes: {', '.join(sorted(CONTROLS))}")
    if kind is IinkedControl:
        credential = credential or IinkedControl.API_KEY
        options.setdefault("api_keys", {credential})
    else:
        credential = credential or (DocuSignControl.TOKEN if kind is DocuSignControl else EasyInkControl.TOKEN)
        options.setdefault("access_tokens", (credential,))
    with serve(Faults(kind.app(**options))) as url:
        store = tmp_path / "easyink-token.json" if tmp_path else None
        control: FakeControl = (IinkedControl(url, api_key=credential) if kind is IinkedControl else
                                DocuSignControl(url, token=credential) if kind is DocuSignControl else
                                EasyInkControl(url, token=credential, token_store=store))
        try:
            yield control
        finally:
            control.close()


def _fake_fixture(name: str) -> Callable[[Path], Iterator[FakeVendor[Client]]]:
    def fixture(tmp_path: Path) -> Iterator[FakeVendor[Client]]:
        with running_fake(name, tmp_path=tmp_path) as control, control.connect() as client:
            yield FakeVendor(control, client)

    fixture.__doc__ = (f"The {name} fake on 127.0.0.1 for this test: ``.client`` (a connected ``Client``), "
                       "``.sign``/``.decline``/``.expire``/``.fault`` act on it; stopped after the test.")
    return fixture


signport_iinked_fake = pytest.fixture(_fake_fixture("iinked"), name="signport_iinked_fake")
signport_easyink_fake = pytest.fixture(_fake_fixture("easyink"), name="signport_easyink_fake")
signport_docusign_fake = pytest.fixture(_fake_fixture("docusign"), name="signport_docusign_fake")


if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    def _async_fake_fixture(name: str) -> Callable[[Path], AsyncIterator[FakeVendor[AsyncClient]]]:
        async def fixture(tmp_path: Path) -> AsyncIterator[FakeVendor[AsyncClient]]:
            with running_fake(name, tmp_path=tmp_path) as control:
                async with control.connect_async() as client:
                    yield FakeVendor(control, client)

        fixture.__doc__ = (f"The {name} fake on 127.0.0.1 with a connected ``AsyncClient`` as ``.client``; "
                           f"the control calls are the same as ``signport_{name}_fake``'s.")
        return fixture

    signport_iinked_fake_async = pytest_asyncio.fixture(_async_fake_fixture("iinked"),
                                                        name="signport_iinked_fake_async")
    signport_easyink_fake_async = pytest_asyncio.fixture(_async_fake_fixture("easyink"),
                                                         name="signport_easyink_fake_async")
    signport_docusign_fake_async = pytest_asyncio.fixture(_async_fake_fixture("docusign"),
                                                          name="signport_docusign_fake_async")
