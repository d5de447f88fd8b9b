"""iinked Sign's own input rules (docs/vendors/iinked.md §5.1).

Pure and settings-free: the provider runs them before any request, and ``local`` with
``emulate="iinked"`` runs the same ones.
"""

from __future__ import annotations

from signport.errors import ValidationError
from signport.model import Envelope
from signport.rules import InputRules

from .settings import PROVIDER


class IinkedRules(InputRules):
    """What iinked refuses, checked before any request."""

    def envelope(self, envelope: Envelope) -> None:
        """Every document must be uploadable: §5.1 sends raw bytes, so content must be local."""
        for i, doc in enumerate(envelope.documents):
            if not doc.has_content:
                raise ValidationError("needs content (path or bytes) to upload", path=f"documents[{i}]",
                                      provider=PROVIDER)
