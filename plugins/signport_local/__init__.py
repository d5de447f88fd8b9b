"""The embedded ``local`` provider: SQLite store, simulated signers, executed PDFs."""

from signport.registry import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the ``local`` provider (imported only when used)."""
    register("local", "signport_local.provider:LocalProvider")
