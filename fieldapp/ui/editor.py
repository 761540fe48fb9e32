"""The household editor: every form of one household, autosaved as drafts within a second.

Cadres work on old laptops that lose power; so every edit is written to the store as a draft
revision shortly after it is typed (``AUTOSAVE_MS``), validation runs on the same beat, and
'定稿' (finalise) is only a state change that the engine must allow.

Each page remembers the revision its data came from (``bases``) and every save names it: if
something else saved the form in between (a bundle import, another window), the store keeps this
save as a conflict instead of writing it over the newer data, and the editor says so and shows the
current data. On a store opened read-only the editor only shows: nothing is saved, and the
reopen-after-crash marker is neither written nor cleared.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.forms.defaults import Defaults
from fieldapp.core.forms.engine import FormResult, household_people
from fieldapp.core.rules.freshness import NEEDS_RECHECK, stale_forms, stale_of
from fieldapp.core.rules.saved_view import SavedView, saved_view
from fieldapp.core.store.errors import StoreError, ValidationFailed
from fieldapp.core.store.records import Revision, SaveResult
from fieldapp.core.store.store import Store
from fieldapp.core.store.writer import FOLLOW, FormWriter, Landed, SaveJob
from fieldapp.ui.assessment_panel import AssessmentPanel
from fieldapp.ui.duplicate_ids import confirm_before_finalising, duplicates
from fieldapp.ui.editor_keys import install_keys
from fieldapp.ui.field_blocks import RenderContext, defaults_over, household_defaults
from fieldapp.ui.form_renderer import FormPage
from fieldapp.ui.policy_hints import PolicyHintsPanel
from fieldapp.ui.problem_summary import ProblemList, counts, show_counts, title_text
from fieldapp.ui.procedures.case_strip import CaseStrip
from fieldapp.ui.procedures.session import SigningSession
from fieldapp.ui.status_dialog import StatusDialog

__all__ = ["HouseholdEditor", "StatusDialog"]

AUTOSAVE_MS = 400
AFTER_SHOWN_MS = 60
"""On opening, stale finalised forms are judged this long after (once the editor is on screen)."""
OPEN_KEY = "ui.open_household"
CONFLICT_TEXT = (
    "{forms}：其他窗口或程序已修改此表，您的修改已另存为冲突版本，请在冲突处理中选择或合并"
    "（fieldapp conflicts list）。下面显示的是当前数据。"
)
READ_ONLY_TEXT = "只读查看：数据库正由其他程序使用，此处不能修改。"
SAVE_STATES = (
    "正在保存…",
    "草稿已自动保存",
    "已另存为冲突版本",
    "保存失败",
    "已定稿",
    "尚未保存：输入内容后自动保存",
)
"""Every text of the save state beside the heading (the label is sized for the longest)."""
BANNER_STYLE = "background: #fff4ce; border: 1px solid #c19c00; padding: 6px;"


class _Landing(QObject):
    """Carries the writer thread's "results are waiting" onto the window's thread."""

    ready = Signal()


class HouseholdEditor(QWidget):
    """Forms A–E and the checklists of one household, with a problem summary."""

    saved = Signal(str)
    status_message = Signal(str)
    open_requested = Signal(str)  # another household to open (a duplicate ID number's link)
    created = Signal(str)  # the household came into the store (its first real value was saved)

    def __init__(
        self, store: Store, household_id: str, author: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.household_id = household_id
        self.author = author
        self.readonly = store.readonly
        self.dirty: set[str] = set()
        self.stale: dict[str, list[str]] = {}
        self.results: dict[str, FormResult] = {}
        self.heads: dict[str, str] = {}  # current revision per form, read with ``results``
        self.bases: dict[str, str | None] = {}  # per built page: the revision its data came from
        self._defaults: Defaults | None = None
        self._views: dict[str, dict[str, Any]] | None = None
        self._shown_views: dict[str, dict[str, Any]] | None = None
        self._revisions: dict[str, Revision] | None = None
        self.exists = store.household_exists(household_id)  # created with its first real value
        self._stale_stamp = 0  # counts refreshes (see ``_judge_stale``)
        self.in_flight: dict[str, int] = {}  # saves submitted to the writer, not yet landed
        self._unsaved: dict[str, dict[str, Any]] = {}  # never-saved pages, as the writer sees them
        self._landing = _Landing(self)
        self._landing.ready.connect(self._land, Qt.ConnectionType.QueuedConnection)
        self.writer = FormWriter(store, self._signal_landed, self._view_after_save)
        ctx = RenderContext(
            store, author, defaults=self.defaults, people=self._people, refresh=self.validate_now
        )

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.save_state = QLabel()
        self.save_state.setStyleSheet("color: #555;")
        # a fixed size: its text changes on every edit and autosave, and a label whose size may
        # change lays out (and repaints) the whole window each time
        longest = max(SAVE_STATES, key=self.save_state.fontMetrics().horizontalAdvance)
        self.save_state.setText(longest)
        self.save_state.setFixedSize(self.save_state.sizeHint())
        self.save_state.setText("")
        self.finalise_button = QPushButton("定稿本表 (Ctrl+Enter)")
        self.finalise_button.setToolTip("检查无误后定稿；有错误时不能定稿，但草稿始终已保存")
        self.history_button = QPushButton("修订历史 (Ctrl+H)")
        self.status_button = QPushButton("变更档案状态…")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.save_state)
        top.addWidget(self.status_button)
        top.addWidget(self.history_button)
        top.addWidget(self.finalise_button)
        self.cases = CaseStrip(store, household_id, SigningSession.of(store), self)
        self.cases.changed.connect(self.status_moved)
        self.created.connect(lambda _: self.cases.refresh())
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setVisible(self.readonly)
        self.banner.setText(READ_ONLY_TEXT if self.readonly else "")
        for button in (self.finalise_button, self.status_button):
            button.setEnabled(not self.readonly)

        self.nav = QListWidget()
        self.problems = ProblemList()
        self.problem_title = QLabel("<b>待处理的问题</b>")
        problems_tab = QWidget()
        problems_layout = QVBoxLayout(problems_tab)
        problems_layout.setContentsMargins(0, 4, 0, 0)
        problems_layout.addWidget(self.problem_title)
        problems_layout.addWidget(self.problems, 1)
        self.assessment = AssessmentPanel(store, household_id)
        self.hints = PolicyHintsPanel(store, household_id, author, self.save_drafts)
        self.hints.added.connect(self.reload_form)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(problems_tab, "问题")
        self.side_tabs.addTab(self.assessment, "两有五保障")
        self.side_tabs.addTab(self.hints, "应享未享")
        self.side_tabs.currentChanged.connect(lambda _: self._refresh_side())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>表册</b>"))
        left_layout.addWidget(self.nav, 2)
        left_layout.addWidget(self.side_tabs, 3)

        self.stack = QStackedWidget()
        self._ctx = ctx
        self.form_ids = list(store.survey.forms)
        self.built: dict[str, FormPage] = {}  # pages are built when first shown (fast opening)
        for form_id, form in store.survey.forms.items():
            placeholder = QLabel(f"{form_id} {form.title}")
            self.stack.addWidget(placeholder)
            self.nav.addItem(QListWidgetItem(f"{form_id} {form.title}"))

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 1000])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.cases)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)

        self.nav.currentRowChanged.connect(self._show_form)
        self.problems.jump.connect(self.jump_to)
        self.problems.open_household.connect(self.open_requested)
        self.finalise_button.clicked.connect(self.finalise_current)
        self.history_button.clicked.connect(self.show_history)
        self.status_button.clicked.connect(self.change_status)
        install_keys(self)

        self._load()
        self.nav.setCurrentRow(0)
        if not self.readonly:
            store.set_meta(OPEN_KEY, household_id)

    # -- loading and refreshing ----------------------------------------------------------------

    def defaults(self) -> Defaults:
        """Starting values and choices over the household as it is on screen now."""
        if self._defaults is None and self._shown_views is not None:
            self._defaults = defaults_over(self.store, self._shown_views, self.author)
        elif self._defaults is None:
            shown = {fid: page.values() for fid, page in self.built.items()}
            self._defaults = household_defaults(self.store, self.household_id, shown, self.author)
        return self._defaults

    def page(self, form_id: str) -> FormPage:
        """The form's page, built from the form definition the first time it is needed; a form
        never saved starts from its defaults (profile, today, carry-overs)."""
        page = self.built.get(form_id)
        if page is None:
            form = self.store.survey.form(form_id)
            page = FormPage(form, self._ctx)
            if form_id not in self.heads:  # never saved: it starts from its defaults
                page.initial = self.defaults().initial_values(form)
                household = {**self.store.current(self.household_id), form_id: page.initial}
                self.results[form_id] = self.store.engine().validate(household, form_id)
            page.load(self.results[form_id].values if form_id in self.heads else page.initial)
            page.apply(self.results[form_id])
            self._update_nav()
            page.changed.connect(lambda fid=form_id: self._edited(fid))
            page.widget().setEnabled(not self.readonly)
            self.bases[form_id] = self.heads.get(form_id)
            index = self.form_ids.index(form_id)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.built[form_id] = page
        return page

    def validate_now(self, form_id: str) -> None:
        """Judge the page as it is on screen at once, without saving (the save follows on the
        autosave beat): relevance, calculations and problems are then current for the next
        keystroke, however fast it comes."""
        shown = {fid: built.values() for fid, built in self.built.items()}
        household = {**self.store.current(self.household_id), **shown}
        self.results[form_id] = self.store.engine().validate(household, form_id)
        self.page(form_id).apply(self.results[form_id])

    def _load(self) -> None:
        """The household as stored; whether finalised forms went stale is judged just after the
        editor has been painted (an engine run per finalised form, not worth delaying the
        opening for: it only marks forms 需重新核对 in the list of forms)."""
        results = self._read()
        revisions = self._revisions
        self._refresh(results, stale={})
        if revisions is not None and self.exists:
            stamp = self._stale_stamp
            QTimer.singleShot(AFTER_SHOWN_MS, self, lambda: self._judge_stale(revisions, stamp))

    def _judge_stale(self, revisions: dict[str, Revision], stamp: int) -> None:
        """Mark the finalised forms whose inputs changed, unless a newer refresh did already."""
        if stamp == self._stale_stamp:
            self.stale = stale_of(revisions, self.store.engine)
            self._update_nav()

    def _read(self) -> dict[str, FormResult]:
        """Validated current data, and the revisions it came from (one read: they belong together)."""
        revisions = self.store.current_revisions(self.household_id)
        self._revisions = revisions
        self.heads = {form_id: r.id for form_id, r in revisions.items()}
        data = {form_id: r.data for form_id, r in revisions.items()}
        for form_id, page in self.built.items():  # never saved: what it shows (its defaults)
            if form_id not in self.heads:
                data[form_id] = page.values()
        self._views = {}  # what defaults need, computed on the way (see _refresh)
        return self.store.engine().validate_all(data, views_out=self._views)

    def _show_current(self) -> None:
        """Reload every page whose form was saved by someone else since it was loaded (pages with
        unsaved edits are left alone: their next save is checked against the newer revision)."""
        for form_id, page in self.built.items():
            head = self.heads.get(form_id)
            settled = form_id not in self.dirty and not self.in_flight.get(form_id)
            if settled and head != self.bases.get(form_id):
                page.load(self.results[form_id].values)
                self.bases[form_id] = head

    def _refresh(
        self,
        results: dict[str, FormResult],
        *,
        stale: dict[str, list[str]] | None = None,
        row: dict[str, Any] | None = None,
        states: dict[str, str] | None = None,
    ) -> None:
        """Show ``results``; ``stale``, ``row`` and ``states`` when already known (a landed
        autosave brings them from the writer), else read here."""
        self.results = results
        views, self._views = self._views, None
        # Just read with nothing unsaved on screen: the views of that read are the household as
        # shown, so the defaults, when asked for, need no second computation of every form.
        self._defaults = None
        self._shown_views = views if views and not self.dirty else None
        revisions, self._revisions = self._revisions, None
        self._stale_stamp += 1  # a judgement still on its way is older than this one
        if not self.exists:
            self.stale = {}
        elif stale is not None:
            self.stale = stale
        elif revisions is not None:  # just read by _read: no second read
            self.stale = stale_of(revisions, self.store.engine)
        else:
            self.stale = stale_forms(self.store, self.household_id)
        for form_id, page in self.built.items():
            if form_id not in self.dirty or stale is None:
                page.apply(results[form_id])
        self._update_nav(states)
        if row is None:
            row = self.store.household(self.household_id) if self.exists else {}
        name = row.get("name") or "（未填姓名）"
        status = row.get("status") or "新建（输入内容后自动保存）"
        heading = (
            f"<span style='font-size:15pt'><b>{name}</b></span>"
            f"　档案编号 {row.get('archive_no') or '—'}　状态 {status}"
        )
        if self.heading.text() != heading:  # rich text laid out again on every autosave else
            self.heading.setText(heading)
        self.status_button.setEnabled(self.exists and not self.readonly)
        self._fill_problems()
        self._refresh_side()

    def _refresh_side(self) -> None:
        """The 两有五保障 and 应享未享 panels follow the data, while they are shown."""
        panel = self.side_tabs.currentWidget()
        if panel is self.assessment:
            self.assessment.refresh()
        elif panel is self.hints:
            self.hints.refresh()

    def _people(self) -> list[str]:
        """Who a 成员 field (``pick: people``) may name: Form A's worker and living members,
        as typed on the A page when it is open (unsaved edits included)."""
        page = self.built.get("A")
        a = page.values() if page is not None else self.store.current(self.household_id).get("A")
        return household_people({"A": a or {}})

    def reload_form(self, form_id: str) -> None:
        """Show a form saved from outside its page (a row added from the 应享未享 panel)."""
        data = self.store.current(self.household_id)
        results = self.store.engine().validate_all(data)
        page = self.built.get(form_id)
        if page is not None:
            page.load(results[form_id].values)
        self._refresh(results)
        self.saved.emit(self.household_id)
        self.status_message.emit(f"已在{self.store.survey.form(form_id).title}添加一行")

    def _update_nav(self, states: dict[str, str] | None = None) -> None:
        """Each form's state and what is left on it, in the list of forms."""
        if states is None:
            states = self.store.current_states(self.household_id)
        for i, form_id in enumerate(self.form_ids):
            title = f"{form_id} {self.store.survey.form(form_id).title}"
            found = counts(self.results[form_id], self.built.get(form_id))
            item = self.nav.item(i)
            changed = self.stale.get(form_id)
            stale = NEEDS_RECHECK if form_id in self.stale else None
            show_counts(item, title, states.get(form_id, ""), found, stale)
            item.setToolTip(
                f"定稿后所依据的数据已变化，这些计算结果与定稿时不同：{'、'.join(changed)}。"
                "请核对后重新定稿。"
                if changed
                else ""
            )

    def _fill_problems(self) -> None:
        form_id = self.current_form_id()
        result = self.results.get(form_id)
        notices = (
            duplicates(self.store, self.household_id, form_id, result.values) if result else []
        )
        found = self.problems.fill(result, self.built.get(form_id), notices)
        self.problem_title.setText(title_text(found, self.problems.count() > 0))

    # -- editing and saving --------------------------------------------------------------------

    def current_form_id(self) -> str:
        return self.form_ids[max(self.nav.currentRow(), 0)]

    def _show_form(self, row: int) -> None:
        if row >= 0:
            self.page(self.form_ids[row])
            self.stack.setCurrentIndex(row)
            self._fill_problems()

    def _edited(self, form_id: str) -> None:
        self._defaults = self._shown_views = None
        if self.readonly:
            return
        self.dirty.add(form_id)
        self.save_state.setText("正在保存…")
        if not self.timer.isActive():
            self.timer.start()

    def autosave(self) -> None:
        """The autosave beat: hand the edited forms to the writer and go on (the window never
        waits for SQLite here); what was saved comes back in ``_land``."""
        self.timer.stop()
        if not self.readonly:
            self._submit()

    def save_drafts(self) -> None:
        """Write every edited form as a draft revision (invalid values kept as typed) and wait
        until every save is in the store: closing, switching household, quitting, finalising
        and the dialogs that read the store all come through here, so nothing typed is lost.
        A new household comes into the store with its first real value, not before."""
        self.timer.stop()
        if self.readonly:
            return
        if self._submit() is None:
            return
        landed = self.writer.flush()
        if self._absorb(landed):
            return
        self._refresh(self._read())
        self._show_current()
        if not landed:
            self.save_state.setText("草稿已自动保存")

    def _submit(self) -> list[str] | None:
        """Queue a save of every edited form (a copy of its values, based on the revision the page
        came from, or on the save still on its way); the forms submitted (None: a new household
        with nothing but its starting values, so nothing at all is saved)."""
        pending = sorted(self.dirty)
        self.dirty.clear()
        if not self.exists and pending:
            if all(self.built[fid].only_defaults() for fid in pending if fid in self.built):
                self.save_state.setText("尚未保存：输入内容后自动保存")
                return None
        self._unsaved = {
            fid: page.values()
            for fid, page in self.built.items()
            if fid not in self.heads and fid not in pending
        }
        for form_id in pending:
            base = FOLLOW if self.in_flight.get(form_id) else self.bases.get(form_id)
            job = SaveJob(
                self.household_id,
                form_id,
                self.page(form_id).values(),
                self.author,
                base,
                create=not self.exists,
            )
            self.in_flight[form_id] = self.in_flight.get(form_id, 0) + 1
            self.writer.submit(job)
        return pending

    def settled(self) -> bool:
        """Nothing edited waits for the beat, and every save has landed and been shown."""
        waiting = self.dirty or self.timer.isActive() or any(self.in_flight.values())
        return not waiting and self.writer.idle()

    def _signal_landed(self) -> None:
        """On the writer's thread: wake the window (the queued signal crosses threads)."""
        try:
            self._landing.ready.emit()
        except RuntimeError:  # the editor is gone; ``close_editor`` flushed it already
            pass

    def _view_after_save(self, store: Store, household_id: str) -> SavedView:
        """On the writer's thread, with its connection: the household as now stored, judged."""
        return saved_view(store, household_id, self._unsaved)

    def _land(self) -> None:
        """Saves came back from the writer: follow them, and show the stored household (only
        the pages not edited again since: their next save follows)."""
        self._absorb(self.writer.take_landed())

    def _absorb(self, landed: list[Landed]) -> bool:
        """Follow saves that landed; whether one failed (its values stay on screen, the form
        stays edited so the next beat or flush tries again, and the cadre is told)."""
        if not landed:
            return False
        conflicts: list[str] = []
        failure: str | None = None
        view: SavedView | None = None
        for done in landed:
            form_id = done.job.form_id
            self.in_flight[form_id] = max(self.in_flight.get(form_id, 0) - 1, 0)
            if done.error is not None or done.result is None:
                self.dirty.add(form_id)
                failure = done.error or "保存失败"
                continue
            if done.job.create and not self.exists:
                self.exists = True
                self.created.emit(self.household_id)
            self._saved(form_id, done.result, conflicts)
            view = done.after if isinstance(done.after, SavedView) else view
        if failure is not None:
            self.save_state.setText("保存失败")
            QMessageBox.warning(self, "保存失败", failure)
            return True
        if view is not None and not any(self.in_flight.values()):
            self._show_saved(view)
        self.saved.emit(self.household_id)
        self.save_state.setText("草稿已自动保存" if not conflicts else "已另存为冲突版本")
        return False

    def _show_saved(self, view: SavedView) -> None:
        """The writer's judgement of the stored household, applied (no read, no engine run here);
        a page edited since keeps its own on-screen judgement."""
        self.heads = {form_id: r.id for form_id, r in view.revisions.items()}
        results = dict(view.results)
        for form_id in self.dirty:
            if form_id in self.results:
                results[form_id] = self.results[form_id]
        self._views = view.views  # the defaults need no computation of every form again
        self._refresh(results, stale=view.stale, row=view.row, states=view.states)
        self._show_current()

    def _saved(self, form_id: str, result: SaveResult, conflicts: list[str]) -> None:
        """Follow a save: the page is now based on it, or on the newer data it conflicted with."""
        if result.conflict_id:
            conflicts.append(form_id)
            titles = "、".join(f"{f} {self.store.survey.form(f).title}" for f in conflicts)
            self.banner.setText(CONFLICT_TEXT.format(forms=titles))
            self.banner.setVisible(True)
        elif result.created:
            self.bases[form_id] = result.revision.id

    def finalise_current(self) -> None:
        if self.readonly:
            return
        form_id = self.current_form_id()
        page = self.page(form_id)
        page.reveal_all()  # from now on every problem shows on its field
        self.dirty.add(form_id)
        self.save_drafts()
        self._fill_problems()
        if not self.exists:
            QMessageBox.information(self, "不能定稿", "本户还没有填写任何内容。")
            return
        notices = duplicates(self.store, self.household_id, form_id, self.results[form_id].values)
        if not confirm_before_finalising(self, self.store, notices, page):
            return
        values = page.values()  # what the cadre sees, based on bases[form_id]
        try:
            result = self.store.save_form(
                self.household_id,
                form_id,
                values,
                author=self.author,
                final=True,
                base_revision_id=self.bases.get(form_id),
            )
        except ValidationFailed as exc:
            self._fill_problems()
            QMessageBox.information(
                self, "不能定稿", f"{exc}\n\n左侧“待处理的问题”列出了全部错误，点击可跳到对应栏目。"
            )
            return
        except StoreError as exc:
            QMessageBox.warning(self, "未能定稿", str(exc))
            return
        conflicts: list[str] = []
        self._saved(form_id, result, conflicts)
        self._refresh(self._read())
        self._show_current()
        self.saved.emit(self.household_id)
        if conflicts:
            self.save_state.setText("已另存为冲突版本")
            return
        self.status_message.emit(f"{self.store.survey.form(form_id).title}已定稿")
        self.save_state.setText("已定稿")

    def jump_to(self, form_id: str, path: str) -> None:
        self.nav.setCurrentRow(self.form_ids.index(form_id))
        self.page(form_id).focus_path(path)

    def show_history(self) -> None:
        from fieldapp.ui.history_dialog import HistoryDialog

        self.save_drafts()
        if not self.exists:
            QMessageBox.information(self, "修订历史", "本户还没有保存任何内容。")
            return
        HistoryDialog(self.store, self.household_id, self).exec()

    def change_status(self) -> None:
        """在档 / 已脱困 / 已解困 / 注销: the rules run first; an override needs its reason."""
        self.save_drafts()
        dialog = StatusDialog(self.store, self.household_id, self.author, self)
        if not dialog.exec():
            return
        status, _ = dialog.choice()
        self.status_moved()
        marked = "（人工认定）" if dialog.check is not None and not dialog.check.met else ""
        self.status_message.emit(f"档案状态已变更为{status}{marked}")

    def status_moved(self) -> None:
        """The 档案状态 changed (here, or by a procedure's last step): heading and list follow."""
        self._refresh(self.results)
        self.saved.emit(self.household_id)

    def close_editor(self) -> None:
        """Flush pending edits and forget the reopen marker: a clean close."""
        if self.readonly:
            return
        self.save_drafts()
        self._absorb(self.writer.stop())
        self.store.set_meta(OPEN_KEY, "")

    def snapshot(self) -> dict[str, Any]:
        """What the editor currently holds per form (tests, debugging)."""
        return json.loads(json.dumps({fid: page.values() for fid, page in self.built.items()}))
