"""The DocuSign fake (ASGI, for tests and demos): ``create_app(...)`` and its ``FakeDocuSign`` state."""

from .app import ACCOUNT_ID, USER_ID, FakeDocuSign, create_app

__all__ = ["ACCOUNT_ID", "USER_ID", "FakeDocuSign", "create_app"]
