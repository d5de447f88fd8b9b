"""``python -m signport.cli``: the ``signport`` command."""

from . import main

main()
