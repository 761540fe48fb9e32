"""The Qt (PySide6) application: a thin layer over the core.

Owns: windows, widgets, dialogs and background operations; every rule and every write goes through
``fieldapp.core``. The one generic renderer (``form_renderer``) turns forms/ into screens;
``office/`` holds the office workspace (Excel, archive import, conflicts, verification, exit review,
enrollment); ``procedures/`` the 待办 view, the step dialog and the editor's 办理程序 strip
(issue 14). Qt's own dialogs are made Chinese by ``translations`` at start.
May import: ``fieldapp.core`` (any part). Never imported by the core.
"""
