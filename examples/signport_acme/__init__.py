# signport_acme/__init__.py
from signport.registry import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    register("acme", "signport_acme.provider:AcmeProvider")
