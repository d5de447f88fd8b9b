"""The ``iinked``  provider."""

from signport.registry import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the ``iinked`` provider (imported only when used)."""
    register("iinked", "signport_iinked.provider:IinkedProvider")
