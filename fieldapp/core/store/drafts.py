"""Empty drafts: households that exist but hold nothing anybody saved, and their removal.

Why: a household used to be created the moment 新建户 was pressed, so an abandoned, empty record
counted in 在档户数 and could never go away. New households are now created with their first real
value (the editor does that); the empty records made before can be discarded. Only a household with
nothing saved qualifies: no revision, no status change, nothing held from a bundle, no conflict.
Nothing a user saved is ever deleted; the discard itself is kept in the audit log.
"""

from __future__ import annotations

from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.errors import StoreError

DEPENDENT_TABLES = ("revisions", "status_changes", "held_revisions", "conflicts")


class DraftsMixin(StoreBase):
    """``Store.household_exists``, ``is_empty_draft``, ``empty_drafts``, ``discard_empty_draft``."""

    def household_exists(self, household_id: str) -> bool:
        return bool(list(self.db.query("select 1 from households where id = ?", [household_id])))

    def is_empty_draft(self, household_id: str) -> bool:
        """True when the household exists and nothing at all was saved for it."""
        if not self.household_exists(household_id):
            return False
        return not any(
            list(
                self.db.query(
                    f"select 1 from {table} where household_id = ? limit 1", [household_id]
                )
            )
            for table in DEPENDENT_TABLES
        )

    def empty_drafts(self) -> list[str]:
        """Every household with nothing saved, oldest first."""
        held = " and ".join(
            f"not exists (select 1 from {table} t where t.household_id = h.id)"
            for table in DEPENDENT_TABLES
        )
        rows = self.db.query(f"select h.id from households h where {held} order by h.rowid")
        return [row["id"] for row in rows]

    def discard_empty_draft(self, household_id: str, *, author: str) -> None:
        """Remove a household that holds nothing saved; refuse anything else."""
        with self.db.atomic():
            if not self.is_empty_draft(household_id):
                raise StoreError("只能删除没有保存任何内容的空草稿；已保存的内容不会被删除")
            self.db.execute("delete from households where id = ?", [household_id])
            self.audit(author, "discard_empty_draft", household_id=household_id)
