"""A provider's own input rules: the checks it adds to the neutral ones of ``validation.py``.

They are pure and need no settings, so they can run without a configured provider: the
``local`` provider started with ``emulate="easyink"`` applies EasyInk's rules (and its
capabilities) and refuses what EasyInk would refuse, with the same error.

A plugin subclasses ``InputRules`` and sets ``Provider.rules``; the client runs the rules
before any request, and a plugin's flows may run them again.
"""

from __future__ import annotations

from .model import DraftUpdate, Envelope, SignerUpdate


class InputRules:
    """No rules beyond the neutral ones. Each method raises ``ValidationError`` naming the path."""

    def envelope(self, envelope: Envelope) -> None:
        """An envelope about to be created or sent."""

    def draft_update(self, update: DraftUpdate) -> None:
        """A change to a draft."""

    def signer_update(self, update: SignerUpdate) -> None:
        """A contact change of a signer."""

    def void_reason(self, reason: str | None) -> None:
        """The reason given to ``void``."""

    def duplicate(self, subject: str | None, *, void_original: bool, reason: str | None) -> None:
        """The subject and (when the original is voided) the reason given to ``duplicate``."""
