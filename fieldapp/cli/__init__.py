"""The command line: one module per command group over the same core the GUI uses.

``main`` builds the parser from the groups' ``register`` functions; ``common`` holds what they share.
May import: ``fieldapp.core`` (any part) and, for the no-sub-command case only, ``fieldapp.ui.app``.
"""

from fieldapp.cli.main import main

__all__ = ["main"]
