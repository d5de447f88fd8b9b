"""What a provider supports, and the check that refuses the rest before any request."""

from __future__ import annotations

from collections.abc import Collection

import attrs

from .errors import UnsupportedFeature
from .model import DraftUpdate, Envelope, Signer, SignerUpdate
from .states import Delivery, DocumentKind, FieldType, SigningOrder, State

#: Names accepted in ``ignore_unsupported`` (silently drop instead of raising).
IGNORABLE = frozenset({"fields", "message", "sign_by", "sms"})
#: The environment variable that sets ``ignore_unsupported`` (comma-separated names).
IGNORE_ENV_VAR = "SIGNPORT_IGNORE_UNSUPPORTED"


_WITHOUT = {"fields": "those fields", "message": "the message", "sign_by": "the sign-by date",
            "sms": "SMS delivery (by email only)"}


def how_to_drop(name: str) -> str:
    """The two ways to drop an ignorable feature instead of being refused, for error messages."""
    return (f"to send without {_WITHOUT.get(name, 'it')}, pass ignore_unsupported={{{name!r}}} to connect() "
            f"or set {IGNORE_ENV_VAR}={name}")


def unsupported(provider: str | None, feature: str, text: str, *, drop: str | None = None) -> UnsupportedFeature:
    """``UnsupportedFeature`` naming the provider and the feature, and how to drop it where it can be."""
    message = f"{provider or 'this provider'} {text} (feature: {feature})"
    if drop is not None:
        message += f"; {how_to_drop(drop)}"
    return UnsupportedFeature(message, feature=feature, provider=provider)


@attrs.frozen(slots=True)
class Capabilities:
    """A provider's feature matrix (see docs/providers.md for every provider's values)."""

    sequential_order: bool = False
    parallel_order: bool = False
    field_types: frozenset[FieldType] = frozenset()
    sms_delivery: bool = False
    sign_by: bool = False
    message: bool = False
    void_reason: bool = False
    drafts: bool = False
    update_draft: bool = False
    update_signer: bool = False
    delete_draft: bool = False
    list_filters: frozenset[State] = frozenset()
    download_kinds: frozenset[DocumentKind] = frozenset()
    signing_urls: bool = False
    webhooks: bool = False
    webhook_verification: bool = False
    duplicate: bool = False
    simulated_signing: bool = False

    def require(self, feature: str, *, provider: str | None = None) -> None:
        """Raise ``UnsupportedFeature`` unless the boolean ``feature`` is on."""
        if not getattr(self, feature):
            raise unsupported(provider, feature, f"does not support {feature.replace('_', ' ')}")

    def require_download(self, kind: DocumentKind, *, provider: str | None = None) -> None:
        """Raise ``UnsupportedFeature`` unless ``kind`` can be downloaded."""
        if kind not in self.download_kinds:
            kinds = ", ".join(sorted(k.value for k in self.download_kinds)) or "none"
            raise unsupported(provider, f"download_{kind.value}",
                              f"cannot download {kind.value} documents (it can download: {kinds})")

    def check_envelope(self, envelope: Envelope, *, provider: str | None = None,
                       ignore: Collection[str] = ()) -> Envelope:
        """Refuse what the provider lacks; returns the envelope with ignored features dropped."""
        def refuse(feature: str, text: str, drop: str | None = None) -> None:
            raise unsupported(provider, feature, text, drop=drop)

        if envelope.order is SigningOrder.SEQUENTIAL and not self.sequential_order:
            refuse("sequential_order", "does not support sequential signing")
        if envelope.order is SigningOrder.PARALLEL and not self.parallel_order:
            refuse("parallel_order", "does not support parallel signing")
        changes: dict[str, object] = {}
        if envelope.fields:
            refused = sorted({f.type.value for f in envelope.fields if f.type not in self.field_types})
            if refused:
                if "fields" in ignore:
                    changes["fields"] = tuple(f for f in envelope.fields if f.type in self.field_types)
                else:
                    refuse("fields", f"does not support field types: {', '.join(refused)}", "fields")
        if envelope.sign_by is not None and not self.sign_by:
            if "sign_by" in ignore:
                changes["sign_by"] = None
            else:
                refuse("sign_by", "does not support a sign-by date", "sign_by")
        if envelope.message is not None and not self.message:
            if "message" in ignore:
                changes["message"] = None
            else:
                refuse("message", "does not support a message to signers", "message")
        if not self.sms_delivery and any(Delivery.SMS in s.delivery for s in envelope.signers):
            if "sms" in ignore:
                changes["signers"] = tuple(
                    attrs.evolve(s, delivery=(s.delivery - {Delivery.SMS}) or {Delivery.EMAIL})
                    for s in envelope.signers)
            else:
                refuse("sms_delivery", "does not support SMS delivery", "sms")
        return attrs.evolve(envelope, **changes) if changes else envelope  # type: ignore[arg-type]

    def check_draft_update(self, update: DraftUpdate, *, provider: str | None = None,
                           ignore: Collection[str] = ()) -> DraftUpdate:
        """Refuse a draft update the provider cannot carry out; returns it with ignored features dropped."""
        self.require("update_draft", provider=provider)
        changes: dict[str, object] = {}
        if update.sign_by is not None and not self.sign_by:
            if "sign_by" not in ignore:
                raise unsupported(provider, "sign_by", "does not support a sign-by date", drop="sign_by")
            changes["sign_by"] = None
        if update.message is not None and not self.message:
            if "message" not in ignore:
                raise unsupported(provider, "message", "does not support a message to signers", drop="message")
            changes["message"] = None
        sms = [isinstance(s, Signer) and Delivery.SMS in s.delivery for s in update.add_signers]
        if not self.sms_delivery and any(sms):
            if "sms" not in ignore:
                raise unsupported(provider, "sms_delivery", "does not support SMS delivery", drop="sms")
            changes["add_signers"] = tuple(
                attrs.evolve(s, delivery=(s.delivery - {Delivery.SMS}) or {Delivery.EMAIL}) if has_sms else s
                for s, has_sms in zip(update.add_signers, sms, strict=True))
        return attrs.evolve(update, **changes) if changes else update  # type: ignore[arg-type]

    def check_signer_update(self, update: SignerUpdate, *, provider: str | None = None) -> None:
        """Refuse a contact change the provider cannot carry out."""
        self.require("update_signer", provider=provider)
        if update.delivery and Delivery.SMS in update.delivery:
            self.require("sms_delivery", provider=provider)

    def check_list_filter(self, states: Collection[State] | None, *, provider: str | None = None) -> None:
        """Refuse list filters on states the provider cannot filter by."""
        if states:
            missing = sorted(s.value for s in states if s not in self.list_filters)
            if missing:
                known = ", ".join(sorted(s.value for s in self.list_filters)) or "none"
                raise unsupported(provider, "list_filters",
                                  f"cannot filter by state: {', '.join(missing)} (it can filter by: {known})")
