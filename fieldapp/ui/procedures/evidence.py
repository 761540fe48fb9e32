"""What an approver looks at besides the rules: the household in brief and its evidence.

Why: a reviewer at the county decides from the papers, not from memory; so next to the case
stand the household's main facts (Form A/B as printed in the ledger: ``ledger.values``), the
证明材料 attached to Form A (double-click shows one, as in the editor) and the latest 走访 of
Form D — when the cadre last saw the family and what was done.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from fieldapp.core.store.store import Store
from fieldapp.ui.attachments import AttachmentPreview, kind_label

SUMMARY_FIELDS = (
    ("A", "id_number"),
    ("A", "category"),
    ("A", "standard"),
    ("A", "residence_region"),
    ("A", "address"),
    ("A", "phone"),
    ("A", "main_cause"),
    ("B", "population"),
    ("B", "monthly_per_capita"),
    ("B", "dibao_standard"),
    ("B", "hardship_band"),
)
VISIT_FIELDS = ("method", "problems_found", "help_content", "effect")


def summary_lines(store: Store, household_id: str) -> list[tuple[str, str]]:
    """(label, text) of the household's main facts, as the ledger prints them; empty ones left out."""
    from fieldapp.core.ledger.values import format_value  # reportlab: not at the program's start

    data = store.current(household_id)
    lines = []
    for form_id, name in SUMMARY_FIELDS:
        field = store.survey.form(form_id).field(name)
        value = (data.get(form_id) or {}).get(name)
        text = format_value(field, value, store.regions, unit=True) if field else ""
        if text:
            lines.append((field.label if field else name, text))
    return lines


def latest_visit(store: Store, household_id: str) -> dict[str, Any] | None:
    """The Form D visit with the latest date (None when none is recorded)."""
    visits = (store.current(household_id).get("D") or {}).get("visits") or []
    dated = [v for v in visits if isinstance(v, dict) and isinstance(v.get("date"), str)]
    return max(dated, key=lambda v: str(v["date"])) if dated else None


class EvidencePanel(QWidget):
    """The household in brief, its attachments and its latest visit."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.household_id: str | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attachments = QListWidget()
        self.attachments.setToolTip("双击查看")
        self.attachments.setMaximumHeight(96)
        self.attachments.itemDoubleClicked.connect(self._preview)
        self.visit = QLabel()
        self.visit.setWordWrap(True)
        self.visit.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("<b>证明材料</b>（表A附件，双击查看）"))
        layout.addWidget(self.attachments)
        layout.addWidget(QLabel("<b>最近一次走访</b>（表D）"))
        layout.addWidget(self.visit)
        layout.addStretch(1)

    def show_household(self, household_id: str) -> None:
        self.household_id = household_id
        rows = "".join(
            f"<tr><td style='color:#555; padding-right:8px'>{html.escape(label)}</td>"
            f"<td>{html.escape(text)}</td></tr>"
            for label, text in summary_lines(self.store, household_id)
        )
        self.summary.setText(f"<table>{rows}</table>" if rows else "（本户尚未填写档案表）")
        field = self.store.survey.form("A").field("attachments")
        refs = (self.store.current(household_id).get("A") or {}).get("attachments") or []
        self.attachments.clear()
        for ref in (r for r in refs if isinstance(r, dict)):
            kind = kind_label(field.kinds if field else (), ref.get("kind"))
            item = QListWidgetItem(f"{kind}：{ref.get('name') or '附件'}")
            item.setData(Qt.ItemDataRole.UserRole, ref)
            self.attachments.addItem(item)
        if not self.attachments.count():
            self.attachments.addItem("（没有附件）")
        self.visit.setText(self._visit_text())

    def _visit_text(self) -> str:
        from fieldapp.core.ledger.values import format_value

        assert self.household_id is not None
        visit = latest_visit(self.store, self.household_id)
        if visit is None:
            return "<span style='color:#c01c28'>表D 没有走访记录</span>"
        visits = self.store.survey.form("D").field("visits")
        parts = [f"<b>{html.escape(str(visit['date']))}</b>"]
        for name in VISIT_FIELDS:
            child = visits.child(name) if visits else None
            text = format_value(child, visit.get(name), self.store.regions) if child else ""
            if text:
                parts.append(html.escape(f"{child.label if child else name}：{text}"))
        return "<br>".join(parts)

    def _preview(self, item: QListWidgetItem) -> None:
        ref = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(ref, dict):
            AttachmentPreview(self.store, ref, kind_label=item.text(), parent=self).exec()
