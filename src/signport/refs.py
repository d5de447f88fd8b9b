"""An ``Envelope`` or a ``Signer`` where an id goes: what every client method accepts, turned into the id."""

from __future__ import annotations

from .errors import ValidationError
from .model import Envelope, EnvelopeRef, Signer, SignerRef
from .validation import validate_id


def envelope_ref(ref: EnvelopeRef, path: str = "envelope_id") -> str:
    """The id of ``ref`` (an ``Envelope`` or an id), checked; ``ValidationError`` naming ``path`` otherwise."""
    if isinstance(ref, Envelope):
        if ref.id is None:
            raise ValidationError("the envelope has no id yet: send it or create it as a draft first", path=path)
        ref = ref.id
    return validate_id(ref, path)


def signer_ref(ref: SignerRef, path: str = "signer_id") -> str:
    """The id of ``ref`` (a ``Signer`` or an id), checked; ``ValidationError`` naming ``path`` otherwise."""
    if isinstance(ref, Signer):
        if ref.id is None:
            raise ValidationError("the signer has no id: use a signer of an envelope the client returned",
                                  path=path)
        ref = ref.id
    return validate_id(ref, path)


def simulated_signer_ref(ref: SignerRef, path: str = "signer_id") -> str:
    """For the local provider's simulated signers: a ``Signer``'s id, else its ``key``; a string as given."""
    if isinstance(ref, Signer):
        found = ref.id or ref.key
        if not found:
            raise ValidationError("the signer has neither an id nor a key", path=path)
        return found
    if not isinstance(ref, str) or not ref.strip():
        raise ValidationError(f"not a signer id or key: {type(ref).__name__}", path=path)
    return ref
