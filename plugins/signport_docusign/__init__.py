"""The ``docusign`` provider."""

from signport.registry import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the ``docusign`` provider (imported only when used)."""
    register("docusign", "signport_docusign.provider:DocuSignProvider")
