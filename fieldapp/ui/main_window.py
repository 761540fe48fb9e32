"""The main window: the household list (search as you type, filters, sorting) and editor tabs.

On a store opened read-only (another program holds the database) the window says so in its
title and status bar, every action that writes is disabled, and it never reopens a household
from the crash marker: that marker belongs to the program holding the database.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.store.records import STATUSES
from fieldapp.core.store.store import Store
from fieldapp.ui.editor import OPEN_KEY, HouseholdEditor
from fieldapp.ui.editor_keys import enter_form
from fieldapp.ui.household_model import HouseholdModel

SEARCH_DELAY_MS = 0  # keystrokes already queued are taken together; a search takes milliseconds


class MainWindow(QMainWindow):
    def __init__(self, store: Store, author: str = "") -> None:
        super().__init__()
        self.store = store
        self.author = author or store.meta("profile.name") or "未登记"
        self.write_actions: list[QAction] = []
        read_only = "（只读）" if store.readonly else ""
        self.setWindowTitle(f"户户清 — {store.survey.title}{read_only}")
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.setCentralWidget(self.tabs)
        self.tabs.addTab(self._build_list(), "户列表")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self._shown_editor: HouseholdEditor | None = None
        self.tabs.currentChanged.connect(self._switched)
        self._build_menus()
        self.statusBar().showMessage(f"操作人：{self.author}　数据库：{store.path}")
        if store.readonly:
            self.read_only_label = QLabel("只读查看：不能修改")
            self.read_only_label.setStyleSheet("color: #c01c28; font-weight: bold;")
            self.statusBar().addPermanentWidget(self.read_only_label)
            self.new_button.setEnabled(False)
            for action in self.write_actions:
                action.setEnabled(False)
        self.refresh()

    # -- list ----------------------------------------------------------------------------------

    def _build_list(self) -> QWidget:
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：姓名、身份证号、档案编号、地区、电话（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.addItems(["全部状态", *STATUSES])
        self.category = QComboBox()
        self.category.addItem("全部困难类别")
        for option in self.store.survey.options.get("hardship_category", ()):
            self.category.addItem(option.label, option.value)
        self.clears = QComboBox()
        self.clears.addItems(["六清：全部", "六清已完成", "六清未完成"])
        self.changed = QComboBox()
        self.changed.addItems(["改动：全部", "上次导出后有改动"])
        self.new_button = QPushButton("新建户 (Ctrl+N)")
        self.new_button.clicked.connect(self.new_household)
        self.todo_button = QPushButton("待办 (Ctrl+Shift+D)")
        self.todo_button.setToolTip("等待我审核、审批的建档和退出案件")
        self.todo_button.clicked.connect(self.show_todo)

        self.model = HouseholdModel(self.store)
        self._total = self._matching = 0
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 80, 160, 230, 90, 70, 60)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(self._open_index)
        self.count_label = QLabel()

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for combo in (self.status, self.category, self.clears, self.changed):
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.new_button)
        filters.addWidget(self.todo_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_typed)
        self.model.counted.connect(self._show_count)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._open_first)
        return page

    def filters(self) -> dict[str, object]:
        clears = {1: True, 2: False}.get(self.clears.currentIndex())
        changed_since = None
        if self.changed.currentIndex() == 1:
            from fieldapp.ui.sync_actions import last_export_at

            changed_since = last_export_at(self.store)
        return {
            "status": self.status.currentText() if self.status.currentIndex() > 0 else None,
            "category": self.category.currentData() if self.category.currentIndex() > 0 else None,
            "clears_complete": clears,
            "changed_since": changed_since,
        }

    def refresh(self) -> None:
        """Re-read the list now (after a filter change, an import, a new household)."""
        self._search_timer.stop()
        self._total = self.store.count_households()
        self.model.set_filter(self.search.text(), **self.filters())

    def _search_typed(self) -> None:
        """A keystroke: the worker thread runs the query; the window stays responsive."""
        self.model.set_filter(self.search.text(), background=True, **self.filters())

    def _show_count(self, matching: int) -> None:
        self._matching = matching
        self.count_label.setText(f"共 {self._total} 户，符合条件 {matching} 户。双击或回车打开。")

    def _open_first(self) -> None:
        if self.model.rowCount() == 1:
            self.open_household(self.model.household_id(0))

    def _open_index(self, index: QModelIndex) -> None:
        self.open_household(self.model.household_id(index.row()))

    # -- editors -------------------------------------------------------------------------------

    def editors(self, household_id: str | None = None) -> list[HouseholdEditor]:
        """The open editor tabs (of one household when ``household_id`` is given)."""
        tabs = (self.tabs.widget(i) for i in range(1, self.tabs.count()))
        return [
            e
            for e in tabs
            if isinstance(e, HouseholdEditor) and household_id in (None, e.household_id)
        ]

    def open_household(self, household_id: str) -> HouseholdEditor:
        for editor in self.editors(household_id):
            self.tabs.setCurrentWidget(editor)
            return editor
        editor = HouseholdEditor(self.store, household_id, self.author)
        editor.saved.connect(self._editor_saved)
        editor.created.connect(self._household_created)
        editor.open_requested.connect(self.open_household)
        editor.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.tabs.setCurrentIndex(self.tabs.addTab(editor, self._tab_title(editor)))
        enter_form(editor)  # the cursor waits in the first field still to be filled
        return editor

    def _switched(self, _index: int) -> None:
        """Leaving a household's tab writes what was typed there before anything else happens
        (its saves may still be on the writer thread: this waits for them)."""
        left, self._shown_editor = self._shown_editor, None
        current = self.tabs.currentWidget()
        if isinstance(current, HouseholdEditor):
            self._shown_editor = current
        if left is not None and left is not current and left in self.editors():
            if not left.settled():
                left.save_drafts()

    def _tab_title(self, editor: HouseholdEditor) -> str:
        if not editor.exists:
            return "新户"
        return str(self.store.household(editor.household_id).get("name") or "新户")

    def _editor_saved(self, household_id: str) -> None:
        """A save may have named the household: the list row and the tab show the name (the
        row is re-read alone: an autosave must not re-run the list query)."""
        self.model.update_household(household_id)
        for editor in self.editors(household_id):
            index, title = self.tabs.indexOf(editor), self._tab_title(editor)
            if self.tabs.tabText(index) != title:  # a new title lays the tab bar out again
                self.tabs.setTabText(index, title)

    def _household_created(self, household_id: str) -> None:
        """A new household came into the store: its row joins the list if the search finds it
        (the list query is not run again)."""
        self._total = self.store.count_households()
        if self.model.add_household(household_id):
            self._matching += 1
        self._show_count(self._matching)

    def new_household(self) -> HouseholdEditor:
        """An editor for a household that exists only once its first real value is saved
        (closing it before that leaves nothing behind)."""
        return self.open_household(str(uuid.uuid4()))

    def discard_empty_drafts(self) -> None:
        """删除空草稿: the selected households (or all) that hold nothing saved."""
        open_ids = {editor.household_id for editor in self.editors()}
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        chosen = [self.model.household_id(row) for row in rows]
        candidates = [h for h in chosen or self.store.empty_drafts() if h not in open_ids]
        empty = [h for h in candidates if self.store.is_empty_draft(h)]
        if not empty:
            QMessageBox.information(
                self,
                "删除空草稿",
                "没有可删除的空草稿：只有从未保存任何内容的户可以删除，已保存的内容不会被删除。",
            )
            return
        which = "所选户中" if chosen else "本机"
        answer = QMessageBox.question(
            self,
            "删除空草稿",
            f"{which}有 {len(empty)} 户空草稿（没有保存任何内容），删除后不再计入户数。删除吗？",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        for household_id in empty:
            self.store.discard_empty_draft(household_id, author=self.author)
        self.refresh()
        self.statusBar().showMessage(f"已删除 {len(empty)} 户空草稿", 5000)

    def close_tab(self, index: int) -> None:
        editor = self.tabs.widget(index)
        if isinstance(editor, HouseholdEditor):
            editor.close_editor()
        if index > 0:
            self.tabs.removeTab(index)
            editor.deleteLater()
            self.refresh()

    def reopen_after_crash(self) -> HouseholdEditor | None:
        """The household that was open when the app last stopped without closing it (only for the
        program holding the database: a read-only window must not take another's marker)."""
        household_id = self.store.meta(OPEN_KEY)
        if not household_id or self.store.readonly:
            return None
        try:
            self.store.household(household_id)
        except Exception:  # noqa: BLE001 - a stale marker is simply forgotten
            self.store.set_meta(OPEN_KEY, "")
            return None
        editor = self.open_household(household_id)
        self.statusBar().showMessage("已恢复上次未关闭的编辑（草稿均已保存）", 8000)
        return editor

    # -- menus ---------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        """Menus by the user's job: a clerk finds each office task without the command line.

        Actions that write are listed in ``write_actions`` so a read-only window disables them."""
        bar = self.menuBar()
        write = self.write_actions.append
        file_menu = bar.addMenu("文件(&F)")
        write(self._action(file_menu, "生成演示数据…", None, self.generate_demo))
        file_menu.addSeparator()
        self._action(file_menu, "退出", "Ctrl+Q", self.close)
        households = bar.addMenu("户(&U)")
        write(self._action(households, "新建户", "Ctrl+N", self.new_household))
        write(self._action(households, "删除空草稿…", None, self.discard_empty_drafts))
        self._action(households, "搜索", "Ctrl+F", self._focus_search)
        ledger = bar.addMenu("表册(&L)")
        self._action(
            ledger, "预览/打印表册（当前户或所选各户）", "Ctrl+P", self.ledger_for_selection
        )
        self._action(ledger, "核验签章台账…", "Ctrl+Shift+V", self.show_verify)
        sync = bar.addMenu("数据包(&B)")
        write(self._action(sync, "导出上报数据包…", "Ctrl+Shift+E", self.export_bundle))
        write(self._action(sync, "导入数据包…", "Ctrl+Shift+I", lambda: self.import_bundles()))
        write(self._action(sync, "处理冲突", "Ctrl+Shift+C", self.show_conflicts))
        sync.addSeparator()
        write(self._action(sync, "设备登记…", None, lambda: self.enroll()))
        write(self._action(sync, "签发登记文件（总部）…", None, self.issue_enrollment))
        self.office_menu = bar.addMenu("办公室(&O)")
        """Other parts of the application add their office screens here (低保标准, 应享未享…)."""
        self._action(self.office_menu, "待办（审核、审批）", "Ctrl+Shift+D", self.show_todo)
        self.office_menu.addSeparator()
        self._action(self.office_menu, "导出 Excel…", "Ctrl+E", self.export_excel)
        write(self._action(self.office_menu, "从 Excel 导入档案…", "Ctrl+I", self.import_archive))
        self.office_menu.addSeparator()
        self._action(self.office_menu, "低保与最低工资标准…", None, self.show_standards)
        report = bar.addMenu("统计(&S)")
        self._action(report, "统计看板", "Ctrl+T", self.show_dashboard)
        self._action(report, "脱困/解困评估（漏退、错退）", "Ctrl+R", self.show_exit_review)
        from fieldapp.ui.security_menu import add_security_menu

        add_security_menu(self)
        help_menu = bar.addMenu("帮助(&H)")
        self._action(help_menu, "关于户户清", None, self._about)

    # -- the office workspace (fieldapp.ui.office) ----------------------------------------------

    def export_excel(self) -> object:
        from fieldapp.ui.office.excel_export import ExcelExportDialog

        dialog = ExcelExportDialog(self.store, self)
        dialog.show()
        return dialog

    def import_archive(self) -> object:
        from fieldapp.ui.office.archive_import import ArchiveImportDialog

        dialog = ArchiveImportDialog(self.store, self.author, self)
        dialog.finished.connect(lambda _: self.refresh())
        dialog.show()
        return dialog

    def show_conflicts(self) -> object:
        from fieldapp.ui.office.conflicts_view import ConflictsView
        from fieldapp.ui.office.workspace import show_tab

        def make() -> ConflictsView:
            view = ConflictsView(self.store, self.author)
            view.resolved.connect(lambda _: self.refresh())
            return view

        return show_tab(self.tabs, ConflictsView, "冲突处理", make)

    def show_verify(self) -> object:
        from fieldapp.ui.office.verify_view import VerifyView
        from fieldapp.ui.office.workspace import show_tab

        return show_tab(self.tabs, VerifyView, "核验签章", lambda: VerifyView(self.store))

    def show_exit_review(self) -> object:
        from fieldapp.ui.office.exit_review_view import ExitReviewView
        from fieldapp.ui.office.workspace import show_tab

        return show_tab(
            self.tabs,
            ExitReviewView,
            "脱困/解困评估",
            lambda: ExitReviewView(self.store, self.open_household),
        )

    def show_todo(self) -> object:
        """待办: the cases waiting for this identity's step (``fieldapp.ui.procedures``)."""
        from fieldapp.ui.office.workspace import show_tab
        from fieldapp.ui.procedures.session import SigningSession
        from fieldapp.ui.procedures.todo_view import TodoView

        def make() -> TodoView:
            view = TodoView(self.store, SigningSession.of(self.store), self.open_household)
            view.changed.connect(self._case_moved)
            view.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            return view

        return show_tab(self.tabs, TodoView, "待办", make)

    def _case_moved(self, household_id: str) -> None:
        """A step was taken in the 待办 view: the list row and an open editor show it."""
        self.model.update_household(household_id)
        for editor in self.editors(household_id):
            editor.cases.refresh()
            editor.status_moved()

    def enroll(self, file: str = "") -> object:
        from fieldapp.ui.office.enrollment_dialog import EnrollmentDialog

        dialog = EnrollmentDialog(self.store, self.author, self)
        if file:
            dialog.file.setText(file)
            dialog.passphrase.setFocus()
        dialog.show()
        return dialog

    def issue_enrollment(self) -> object:
        from fieldapp.ui.office.issue_enrollment import IssueEnrollmentDialog

        dialog = IssueEnrollmentDialog(self.store, self.author, self)
        dialog.show()
        return dialog

    def _action(self, menu: object, text: str, keys: str | None, slot: object) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        return action

    def show_standards(self) -> None:
        from fieldapp.ui.standards_dialog import StandardsDialog

        StandardsDialog(self.store, self.author, self).exec()

    def show_dashboard(self) -> object:
        from fieldapp.ui.dashboard import Dashboard
        from fieldapp.ui.office.workspace import show_tab

        return show_tab(
            self.tabs, Dashboard, "统计看板", lambda: Dashboard(self.store, self.open_household)
        )

    def export_bundle(self) -> None:
        from fieldapp.ui.sync_actions import export_bundle_gui

        self._sync_op = export_bundle_gui(
            self, self.store, self.author, on_done=lambda _: self.refresh()
        )

    def import_bundles(self, files: list[str] | None = None) -> None:
        """Ask for bundles to import, or take ``files`` (a double-clicked ``.hhq``)."""
        from fieldapp.ui.sync_actions import import_bundles_gui

        self._sync_op = import_bundles_gui(
            self,
            self.store,
            self.author,
            choose=(lambda: list(files)) if files else None,
            on_done=lambda _: self.refresh(),
        )

    def selected_household_ids(self) -> list[str]:
        """The household of the open editor tab, else the rows selected in the list."""
        editor = self.tabs.currentWidget()
        if isinstance(editor, HouseholdEditor):
            return [editor.household_id] if editor.exists else []  # a new one: nothing saved yet
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.household_id(row) for row in rows]

    def ledger_for_selection(self) -> None:
        ids = self.selected_household_ids()
        if not ids:
            QMessageBox.information(self, "台账", "请先在户列表中选择一户或多户，或打开一户。")
            return
        editor = self.tabs.currentWidget()
        if isinstance(editor, HouseholdEditor):
            editor.save_drafts()
        from fieldapp.ui.ledger_view import build_ledger

        title = (
            self.store.household(ids[0]).get("name") or "" if len(ids) == 1 else f"{len(ids)} 户"
        )
        self._ledger_op = build_ledger(self, self.store, ids, str(title))

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def _about(self) -> None:
        from fieldapp import __version__

        QMessageBox.about(
            self,
            "关于户户清",
            f"户户清 {__version__}\n困难职工入户走访“六清”调查（离线）\n"
            f"表册版本 {self.store.survey.version}\n数据库：{self.store.path}",
        )

    def generate_demo(self) -> None:
        count, ok = QInputDialog.getInt(
            self, "生成演示数据", "户数（合成数据，不含真实个人信息）：", 1000, 1, 200_000, 1000
        )
        if not ok:
            return
        from fieldapp.core.demo.generate import generate_demo
        from fieldapp.core.store.database import reopen
        from fieldapp.ui.operations import BackgroundOp

        author = self.author

        def work(progress: object, cancelled: object) -> int:
            store = reopen(self.store)
            try:
                return generate_demo(
                    store,
                    count,
                    author=author,
                    progress=progress,  # type: ignore[arg-type]
                    cancelled=cancelled,  # type: ignore[arg-type]
                )
            finally:
                store.close()

        self._op = BackgroundOp(
            self,
            "正在生成演示数据…",
            work,
            lambda n: (self.refresh(), self.statusBar().showMessage(f"已生成 {n} 户", 5000)),
        )
        self._op.start()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._search_timer.stop()
        self.model.stop()
        for editor in self.editors():
            editor.close_editor()
        event.accept()
