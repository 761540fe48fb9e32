"""The Qt (PySide6) application: a thin layer over the core.

Owns: windows, widgets, dialogs and background operations; every rule and every write goes through
``fieldapp.core``. The one generic renderer (``form_renderer``) turns forms/ into screens.
May import: ``fieldapp.core`` (any part). Never imported by the core.
"""
