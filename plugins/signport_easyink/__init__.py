"""The ``easyink``  provider."""

from signport.registry import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the ``easyink`` provider (imported only when used)."""
    register("easyink", "signport_easyink.provider:EasyInkProvider")
