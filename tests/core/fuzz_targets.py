"""The entry points that read untrusted bytes, each as a ``Target``: its own database in a
directory, a hypothesis strategy of damaged input (``cases``) and ``run(case)`` giving the
``Outcome`` and whether a refusal left the database unchanged (judged by tests.core.fuzzing).

Used by tests/core/test_fuzz_inputs.py (a fixed seed) and benchmarks/bench_fuzz.py (long runs).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from openpyxl import load_workbook

from fieldapp.core.forms.loader import default_survey
from fieldapp.core.forms.model import Field
from fieldapp.core.paths import FORMS_DIR
from fieldapp.core.reports.xlsx_template import HOUSEHOLD_SHEET, MEMBER_SHEET, write_template
from tests.core.fuzzing import Outcome, byte_mutation, content_digest, mutate, nested, run_cli
from tests.core.households import complete_household
from tests.stores import open_test_store

# -- record: a form as JSON -----------------------------------------------------------------------

SURVEY = default_survey()
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["1,2,3元", "12,34", "2024-02-30", "530102", "王😀芳", "\x07", "530000"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


def _field_value(f: Field) -> st.SearchStrategy[Any]:
    if f.type == "repeat":
        row = st.fixed_dictionaries({}, optional={c.name: _field_value(c) for c in f.fields})
        return st.one_of(
            st.lists(row, max_size=3), st.lists(row | json_values, max_size=3), json_values
        )
    odd = st.one_of(*[scalars] * 9, json_values)  # mostly the right shape, with odd values
    if f.options:
        return st.sampled_from([o.value for o in f.options]) | odd
    return odd


def _form_data(form_id: str) -> st.SearchStrategy[dict[str, Any]]:
    form = SURVEY.form(form_id)
    return st.fixed_dictionaries({}, optional={f.name: _field_value(f) for f in form.fields})


GOOD_A = json.dumps(complete_household()["A"], ensure_ascii=False).encode()
structured_payloads = st.sampled_from(sorted(SURVEY.forms)).flatmap(
    lambda fid: st.tuples(st.just(fid), _form_data(fid).map(lambda d: json.dumps(d).encode()))
)
json_payloads = st.one_of(
    structured_payloads,
    structured_payloads,
    structured_payloads,
    st.tuples(
        st.just("A"),
        st.lists(byte_mutation, min_size=1, max_size=3).map(lambda m: mutate(GOOD_A, m)),
    ),
    st.tuples(
        st.sampled_from(["A", "E"]),
        st.sampled_from(
            [
                nested(100_000),
                nested(65),
                nested(5000, '{"a":', "}"),
                b'{"problems": [null]}',
                b'{"problems": [1, 2]}',
                b'{"members": [[]]}',
                b'{"name": NaN}',
                b'{"name": 1e400}',
                b'{"name": "\\ud800"}',
                b'{"family_size": ' + b"9" * 5000 + b"}",
                b"\xff\xfe{}",
                b"",
            ]
        ),
    ),
    st.tuples(st.just("A"), st.binary(max_size=64)),
)


class RecordTarget:
    """``fieldapp record HOUSEHOLD --form F --json FILE [--draft]`` on a database with one household.

    An accepted case is followed by ``readers`` (``show`` by default): what was saved must be
    readable by every command that reads it."""

    def __init__(self, root: Path, readers: Sequence[str] = ("show",)) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.db, self.readers = root, root / "record.db", tuple(readers)
        store = open_test_store(self.db)
        self.household = store.create_household("fuzz")
        for form_id, data in complete_household().items():
            store.save_form(self.household, form_id, data, author="fuzz")
        store.close()

    cases = st.tuples(json_payloads, st.sampled_from([True, True, False]))  # --draft mostly

    def run(self, case: tuple[tuple[str, bytes], bool]) -> tuple[Outcome, bool]:
        (form_id, payload), draft = case
        source = self.root / "in.json"
        source.write_bytes(payload)
        before = content_digest(self.db)
        argv = ["--db", str(self.db), "record", self.household, "--form", form_id]
        outcome = run_cli([*argv, "--json", str(source), *(["--draft"] if draft else [])])
        if outcome.code == 0:
            for reader in self.readers:
                after = run_cli(["--db", str(self.db), *self.reader_argv(reader)])
                if after.crashed or after.code != 0:
                    return Outcome(after.code, True, f"{reader}: {after.detail}"), True
        return outcome, outcome.code != 1 or content_digest(self.db) == before

    def reader_argv(self, reader: str) -> list[str]:
        out = self.root / "reader-output"
        for old in self.root.glob("reader-output*"):
            old.unlink()
        return {
            "show": ["show", self.household, "--json"],
            "ledger": ["ledger", self.household, "--out", f"{out}.pdf"],
            "export": ["export", "--xlsx", f"{out}.xlsx"],
            "stats": ["stats", "--json"],
            "assess": ["assess", self.household, "--json"],
        }[reader]


# -- archive import-xlsx: a filled-in template, damaged ----------------------------------------------


def filled_template(root: Path) -> Path:
    template = write_template(root / "template.xlsx", SURVEY.form("A"))
    wb = load_workbook(template)
    household = complete_household()["A"]
    for title, values in ((HOUSEHOLD_SHEET, household), (MEMBER_SHEET, household["members"][0])):
        ws = wb[title]
        labels = {f.label: f.name for f in SURVEY.form("A").fields}
        labels.update({c.label: c.name for c in SURVEY.form("A").field("members").fields})  # type: ignore[union-attr]
        row = []
        for cell in ws[1]:
            name = labels.get(str(cell.value))
            row.append(
                values.get(name) if name and not isinstance(values.get(name), list) else None
            )
        if title == MEMBER_SHEET:
            row[1] = household["id_number"]
        ws.append(row)
    out = root / "filled.xlsx"
    wb.save(out)
    return out


SHEET = "<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><sheetData>"
PART_CONTENTS = st.sampled_from(
    [
        b"",
        b"<a>",
        b"\xff\xfe\x00<",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;&a;&a;</x>',
        *(
            (SHEET + f"<row r='1'>{cell}</row></sheetData></worksheet>").encode()
            for cell in (
                "<c r='A1' t='s'><v>999</v></c>",  # a shared string that does not exist
                "<c r='A1' t='n'><v>abc</v></c>",
                "<c r='A1' t='d'><v>not a date</v></c>",
                "<c r='A1' t='b'><v>x</v></c>",
                "<c r='XFE1'><v>1</v></c>",
                "<c r='A0'><v>1</v></c>",
                "<c r='1A'><v>1</v></c>",
                "<c r='A1' s='9999'><v>1</v></c>",
            )
        ),
    ]
) | st.binary(max_size=128)
# Damage lands mostly where the data is: the sheets (and the workbook that lists them).
PART_TARGETS = st.sampled_from(
    [
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "docProps/core.xml",
    ]
)


class XlsxTarget:
    """``fieldapp archive import-xlsx FILE`` with a damaged copy of a filled-in template."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.db = root, root / "archive.db"
        open_test_store(self.db).close()
        self.good = filled_template(root).read_bytes()
        with zipfile.ZipFile(io.BytesIO(self.good)) as package:
            self.parts = [(i.filename, package.read(i.filename)) for i in package.infolist()]

    cases = st.one_of(
        st.tuples(st.just("bytes"), st.lists(byte_mutation, min_size=1, max_size=3)),
        st.tuples(st.just("part"), st.lists(st.tuples(PART_TARGETS, PART_CONTENTS), max_size=2)),
        st.tuples(
            st.just("xml"),
            st.lists(st.tuples(PART_TARGETS, byte_mutation), min_size=1, max_size=3),
        ),
        st.tuples(st.just("drop"), st.lists(PART_TARGETS, min_size=1, max_size=2)),
    )

    def build(self, case: tuple[str, Any]) -> bytes:
        kind, changes = case
        if kind == "bytes":
            return mutate(self.good, changes)
        parts = dict(self.parts)
        for change in changes:
            if kind == "drop":
                parts.pop(change, None)
            elif kind == "part":
                name, content = change
                parts[name] = content
            elif kind == "xml" and change[0] in parts:
                name, mutation = change
                parts[name] = mutate(parts[name], [mutation])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            for name, content in parts.items():
                package.writestr(name, content)
        return buffer.getvalue()

    def run(self, case: tuple[str, Any]) -> tuple[Outcome, bool]:
        source = self.root / "in.xlsx"
        source.write_bytes(self.build(case))
        before = content_digest(self.db)
        report = self.root / "report.csv"
        outcome = run_cli(
            ["--db", str(self.db), "archive", "import-xlsx", str(source), "--report", str(report)]
        )
        return outcome, outcome.code != 1 or content_digest(self.db) == before


# -- forms check: a hand-edited form definition, damaged --------------------------------------------

YAML_SNIPPETS = st.sampled_from(
    [
        b"[" * 5000,
        b"{" * 200,
        b"&a ",
        b"*a",
        b"<<: *a\n",
        b": ",
        b"\n- ",
        b"!!python/object/apply:os.system ['true']",
        b"\t",
        b"'",
        b"\x00",
        b"\n        max_length: 0",
        b"\n        type: nope",
        b"\n        charset: name",
        b'\n        relevant: "((((("',
        b'\n        calculate: "' + b"(" * 500 + b"1" + b")" * 500 + b'"',
        b"\nx: &x [1,1,1,1,1,1,1,1]\ny: &y [*x,*x,*x,*x,*x,*x,*x,*x]\nz: &z [*y,*y,*y,*y,*y,*y,*y,*y]"
        b"\nw: [*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z]\n",
    ]
)
# Whole documents appended as a new top-level key: deep flow and block nesting, an alias bomb.
YAML_APPENDIX = st.sampled_from(
    [
        b"[" * 5000,
        b"{a: " * 3000,
        b"\n" + b"".join(b" " * i + b"k:\n" for i in range(1, 1500)),
        b"&x [1,1,1,1,1,1,1,1,1,1]\ny: &y [*x,*x,*x,*x,*x,*x,*x,*x,*x,*x]\n"
        b"z: &z [*y,*y,*y,*y,*y,*y,*y,*y,*y,*y]\nw: &w [*z,*z,*z,*z,*z,*z,*z,*z,*z,*z]\n"
        b"v: [*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w,*w]",
        b"!!binary AAAA",
        b"\xef\xbb\xbf\xff",
    ]
)
FORM_FILES = sorted(p.name for p in FORMS_DIR.glob("*.yaml"))


class FormsTarget:
    """``fieldapp forms check DIR`` with one file of a copy of forms/ damaged (no database)."""

    def __init__(self, root: Path) -> None:
        self.root = root / "forms"
        self.root.mkdir(parents=True, exist_ok=True)
        self.originals = {name: (FORMS_DIR / name).read_bytes() for name in FORM_FILES}
        (self.root / "schema.json").write_bytes((FORMS_DIR / "schema.json").read_bytes())

    cases = st.tuples(
        st.sampled_from(FORM_FILES),
        st.lists(
            byte_mutation
            | st.tuples(st.just("snippet"), st.floats(0, 1), YAML_SNIPPETS)
            | st.tuples(st.just("append"), st.just(1.0), YAML_APPENDIX),
            min_size=1,
            max_size=3,
        ),
    )

    def run(self, case: tuple[str, list[tuple[str, float, Any]]]) -> tuple[Outcome, bool]:
        name, changes = case
        for file, data in self.originals.items():
            (self.root / file).write_bytes(data)
        data = self.originals[name]
        for kind, where, value in changes:
            if kind == "snippet":
                at = int(where * len(data))
                data = data[:at] + value + data[at:]
            elif kind == "append":
                data = data + b"\nzz_fuzz: " + value
            else:
                data = mutate(data, [(kind, where, value)])
        (self.root / name).write_bytes(data)
        return run_cli(["forms", "check", str(self.root)]), True


TARGETS: dict[str, Callable[[Path], Any]] = {
    "record": RecordTarget,
    "import-xlsx": XlsxTarget,
    "forms-check": FormsTarget,
}


# -- bundle import: a laptop's bundle, damaged (the suite's own test: test_sync_bad.py) -------------


class BundleTarget:
    """``fieldapp bundle import FILE`` at headquarters with a damaged copy of a laptop's bundle."""

    def __init__(self, root: Path) -> None:
        from tests.core.test_sync import HQ_PASS, make_world, new_household

        root.mkdir(parents=True, exist_ok=True)
        self.root, world = root, make_world(root)
        new_household(world.li)
        self.good = world.export(world.li).read_bytes()
        self.db, self.passphrase = world.hq.path, HQ_PASS.decode()
        for store in (world.hq, world.li, world.wang):
            store.close()

    cases = st.lists(byte_mutation, min_size=1, max_size=3)

    def run(self, case: list[tuple[str, float, int]]) -> tuple[Outcome, bool]:
        source = self.root / "in.hhq"
        source.write_bytes(mutate(self.good, case))
        before = content_digest(self.db)
        saved = os.environ.get("FIELDAPP_PASSPHRASE")
        os.environ["FIELDAPP_PASSPHRASE"] = self.passphrase
        try:
            outcome = run_cli(["--db", str(self.db), "bundle", "import", str(source)])
        finally:
            os.environ.pop("FIELDAPP_PASSPHRASE")
            if saved is not None:
                os.environ["FIELDAPP_PASSPHRASE"] = saved
        return outcome, outcome.code != 1 or content_digest(self.db) == before


TARGETS["bundle-import"] = BundleTarget
