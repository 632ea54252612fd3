"""The signed metadata sheet written while units stream equals the one written at once."""

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from coding.errors import SheetError
from coding.sheets.meta import MetaWriter, SheetMeta, read_meta, text_hash, write_meta

META = dict(
    format="clusterqda-coding-sheet/1",
    fingerprint="f" * 24,
    codebook_hash="c" * 16,
    codebook_version="1.0",
    coder="李",
    codes=["CA.PROTEST", "EVAL.SUCCESS"],
    header=["unit_id", "文本 text", "=SUM(A1)"],
    created_at="2026-01-01T00:00:00+00:00",
)

strings = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")))


def workbook():
    book = Workbook(write_only=True)
    book.create_sheet("visible")  # a workbook's only sheet may not be hidden
    return book


def saved_meta_rows(book, path):
    with open(path, "wb") as handle:
        book.save(handle)
    return list(openpyxl.load_workbook(path)["_meta"].iter_rows(values_only=True))


@given(st.lists(st.tuples(strings, strings), max_size=8))
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_streamed_meta_is_the_sheet_written_at_once_and_verifies(store, tmp_path_factory, units):
    root = tmp_path_factory.mktemp("m")
    at_once = workbook()
    write_meta(at_once, store, SheetMeta(**META, units=[(u, text_hash(t)) for u, t in units]))
    streamed = workbook()
    writer = MetaWriter(streamed, store, SheetMeta(**META), len(units))
    for unit_id, text in units:
        writer.add(unit_id, text)
    writer.close()
    expected = saved_meta_rows(at_once, root / "a.xlsx")
    assert saved_meta_rows(streamed, root / "s.xlsx") == expected
    meta = read_meta(openpyxl.load_workbook(root / "s.xlsx"), root / "s.xlsx", store)
    assert meta.units == [(u.strip(), text_hash(t)) for u, t in units]


def test_streamed_meta_refuses_fewer_units_than_it_announced(store, tmp_path):
    book = workbook()
    writer = MetaWriter(book, store, SheetMeta(**META), 2)
    writer.add("u1", "文本")
    with pytest.raises(SheetError, match="lists 2 units, but 1 were written"):
        writer.close()
    book.save(tmp_path / "unsigned.xlsx")  # closes the sheets' writers
