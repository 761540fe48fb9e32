"""The office workspace: what county/city union clerks do, each as a screen of the GUI.

One module per task (Excel export, archive import, conflicts, verifying signed ledgers, the exit
review, enrollment and, at headquarters, issuing enrollment files); ``workspace`` holds what they
share (opening a tab, parsing a typed date, opening a folder). The main window's menus open them.
Every task is a core call (``fieldapp.core``), run in the background with progress and 取消 where
it can take long; these modules only ask, show and report in Chinese.
"""
