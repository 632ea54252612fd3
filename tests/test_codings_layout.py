"""The compact codings layout (schema v9): migrating keeps every coding, the view writes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from coding.store import MIGRATIONS, Store
from coding.store.schema import statements

COLUMNS = 'unit_id, code_id, coder, stance, start, "end", evidence, rule_id, terms, probability'
LAYOUT_VERSION = 9  # the migration that made the compact layout
TABLES = ("documents", "units", "coders", "coder_rules", "coded_units")


def _codings(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return sorted(
            conn.execute(f"SELECT {COLUMNS} FROM codings"), key=lambda r: tuple(map(repr, r))
        )


def _order(db: Path) -> dict[str, list[tuple]]:
    """Each coder's codings in coding_id order (what exports sort by)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM codings ORDER BY coder, coding_id")
        out: dict[str, list[tuple]] = {}
        for row in rows:
            out.setdefault(row[2], []).append(row)
        return out


def _old_layout_copy(source: Path, target: Path) -> None:
    """Write the project's documents, units, coders and codings into a database of the
    schema before the compact layout, as an older clusterqda left it."""
    conn = sqlite3.connect(target)
    for step in MIGRATIONS[: LAYOUT_VERSION - 1]:
        if callable(step):
            step(conn)
        else:
            for statement in statements(step):
                conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {LAYOUT_VERSION - 1}")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    for table in TABLES:
        conn.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    conn.execute(
        f"INSERT INTO codings (coding_id, {COLUMNS}, created_at)"
        f" SELECT coding_id, {COLUMNS}, created_at FROM src.codings ORDER BY coding_id"
    )
    conn.commit()
    conn.close()


def test_migrating_an_old_layout_database_keeps_every_coding(sample_project, tmp_path):
    """The demo's codings written into the old table, then migrated: the same codings
    (evidence, rule, terms, probability and all) in the same order per coder."""
    source = sample_project / "clusterqda.sqlite"
    old = tmp_path / "old.sqlite"
    _old_layout_copy(source, old)
    before, order = _codings(old), _order(old)
    assert len(before) > 1000 and len({r[2] for r in before}) >= 3
    with Store(old) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.conn.execute(
            "SELECT type FROM sqlite_master WHERE name = 'codings'"
        ).fetchone()
    assert _codings(old) == before == _codings(source)
    assert _order(old) == order


def test_a_schema_13_project_reads_the_same_codings_after_migrating(sample_project, tmp_path):
    """Before schema 14 a coding the hybrid gave as the rules did but with its own stance
    or probability was a row of its own: such a project migrates and reads the same
    codings, in the same order per coder."""
    source = sample_project / "clusterqda.sqlite"
    old = tmp_path / "old13.sqlite"
    conn = sqlite3.connect(old)
    for step in MIGRATIONS[:13]:
        if callable(step):
            step(conn)
        else:
            for statement in statements(step):
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 13")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    for table in (*TABLES, "coding_labels"):
        conn.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    kept = 'unit, code_id, start, "end", evidence, rule, terms, created'
    own = "(c.also_stance IS NOT NULL OR c.also_probability IS NOT NULL)"
    # rowids doubled: a split row's second coder comes right after its first's
    conn.execute(
        f"INSERT INTO coding_data (rowid, coder, also, stance, probability, {kept})"
        f" SELECT 2 * c.rowid, c.coder, CASE WHEN {own} THEN NULL ELSE c.also END, c.stance,"
        f" c.probability, {kept} FROM src.coding_data c"
    )
    split = conn.execute(
        f"INSERT INTO coding_data (rowid, coder, stance, probability, {kept})"
        " SELECT 2 * c.rowid + 1, c.also, COALESCE(c.also_stance, c.stance),"
        f" COALESCE(c.also_probability, c.probability), {kept} FROM src.coding_data c"
        f" WHERE {own}"
    ).rowcount
    conn.commit()
    conn.close()
    assert split > 100
    with Store(old) as store:
        assert store.schema_version == len(MIGRATIONS)
        columns = [r[1] for r in store.conn.execute("PRAGMA table_info(coding_data)")]
        assert columns[-2:] == ["also_stance", "also_probability"]
    assert _codings(old) == _codings(source)
    assert _order(old) == _order(source)


def test_a_shared_coding_is_deleted_for_one_coder_only(sample_project, tmp_path):
    """A coding the rules and the hybrid both gave is one row (the hybrid's stance and P
    its own): deleting the rules' codings of a unit leaves the hybrid's as they were, and
    the other way round."""
    project = tmp_path / "p"
    shutil.copytree(sample_project, project)
    db = project / "clusterqda.sqlite"
    with sqlite3.connect(db) as conn:
        unit, first, second = conn.execute(
            "SELECT u.unit_id, a.coder, b.coder FROM coding_data c JOIN units u"
            " ON u.rowid = c.unit JOIN coders a ON a.rowid = c.coder"
            " JOIN coders b ON b.rowid = c.also WHERE c.also_stance IS NOT NULL"
            " AND c.also_probability IS NOT NULL LIMIT 1"
        ).fetchone()

        def of(coder: str) -> list[tuple]:
            return conn.execute(
                f"SELECT {COLUMNS} FROM codings WHERE unit_id = ? AND coder = ? ORDER BY code_id",
                (unit, coder),
            ).fetchall()

        kept = of(second)
        assert kept and set(kept) & {r[:2] + (second,) + r[3:] for r in of(first)}
        conn.execute("DELETE FROM codings WHERE unit_id = ? AND coder = ?", (unit, first))
        assert of(first) == [] and of(second) == kept
        conn.execute("DELETE FROM codings WHERE unit_id = ? AND coder = ?", (unit, second))
        assert of(second) == []
        left = conn.execute("SELECT COUNT(*) FROM coding_data c JOIN units u ON u.rowid = c.unit"
                            " WHERE u.unit_id = ?", (unit,)).fetchone()  # fmt: skip
        assert left == (0,)


def _one_turn(store: Store) -> None:
    """Store a document 'd' with one interviewee turn 'd#2' (合作社很好 at 8–11)."""
    store.conn.execute(
        "INSERT INTO documents VALUES ('d', 'd.txt', 'h', 'utf-8', NULL, '{}', NULL,"
        " '问：你好。答：合作社很好。', 't')"
    )
    store.conn.execute(
        'INSERT INTO units (unit_id, doc_id, turn, is_interviewer, start, "end", text)'
        " VALUES ('d#2', 'd', 2, 0, 6, 13, '答：合作社很好。')"
    )


def test_codings_written_through_the_view_read_back_as_given(project):
    """An insert into the view (sheets, imports) keeps evidence that is not the unit's
    text, no evidence at all, and refuses an unknown coder like the old foreign key."""
    import pytest

    with Store(project / "clusterqda.sqlite") as store:
        _one_turn(store)
        store.register_coder("甲", "human", None, None)
        rows = [
            ("d#2", "A", "positive", 8, 11, "合作社", None, None),
            ("d#2", "B", None, 8, 11, "别的字", None, None),
            ("d#2", "C", None, 8, 11, None, None, None),
            ("d#2", "D", None, None, None, None, "D", ["合作"]),
        ]
        store.save_codings("甲", ["d#2"], rows)
        back = store.conn.execute(
            'SELECT code_id, stance, start, "end", evidence, rule_id, terms FROM codings'
            " ORDER BY code_id"
        ).fetchall()
        assert back == [
            ("A", "positive", 8, 11, "合作社", None, "null"),
            ("B", None, 8, 11, "别的字", None, "null"),
            ("C", None, 8, 11, None, None, "null"),
            ("D", None, None, None, None, "D", '["合作"]'),
        ]
        stored = store.conn.execute("SELECT evidence FROM coding_data ORDER BY code_id")
        assert [r[0] for r in stored][:1] == [None]  # derived from the unit, not stored
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(
                "INSERT INTO codings (unit_id, code_id, coder, created_at)"
                " VALUES ('d#2', 'A', 'nobody', 't')"
            )


def test_machine_codings_check_their_stances_and_leave_the_check_on(project):
    """write_codings checks stances itself (the table's CHECK is off for its one insert,
    being slow): a wrong one is refused with nothing stored, and the CHECK holds after."""
    import sqlite3

    import pytest

    from coding.errors import ProjectError

    with Store(project / "clusterqda.sqlite") as store:
        _one_turn(store)
        store.register_coder("rules@x", "rules", None, None)
        (unit,) = store.conn.execute("SELECT rowid FROM units WHERE unit_id = 'd#2'").fetchone()

        def row(stance, own=None):
            return (unit, 0, None, "CA.MH", stance, 8, 11, "CA.MH", ("合作社",), None, own, None)

        with pytest.raises(ProjectError, match="maybe"):
            store.write_codings(["rules@x"], ["d#2"], [row("positive"), row("maybe")])
        with pytest.raises(ProjectError, match="perhaps"):  # the second coder's own, too
            store.write_codings(["rules@x"], ["d#2"], [row("positive", "perhaps")])
        assert store.conn.execute("SELECT COUNT(*) FROM coding_data").fetchone() == (0,)
        assert store.coded_units("rules@x") == {}
        store.write_codings(["rules@x"], ["d#2"], [row("mixed"), row(None)])
        stances = store.conn.execute("SELECT stance FROM coding_data ORDER BY rowid").fetchall()
        assert stances == [("mixed",), (None,)]
        assert set(store.coded_units("rules@x")) == {"d#2"}
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.conn.execute(
                "INSERT INTO coding_data (unit, coder, code_id, stance, created)"
                " VALUES (?, 1, 'x', 'maybe', 1)",
                (unit,),
            )


def test_code_unit_counts_are_a_plain_count_of_the_codings_view(sample_project):
    """`code`'s closing table: per code and cluster the interviewee units a coder coded,
    counted with NumPy from the indexes, against a plain count of the codings view."""
    from collections import Counter

    with Store(sample_project / "clusterqda.sqlite") as store:
        for coder in [*store.coders(), "nobody"]:
            rows = store.conn.execute(
                "SELECT DISTINCT c.code_id, COALESCE(d.cluster, '-'), c.unit_id FROM codings c"
                " JOIN units u USING (unit_id) JOIN documents d ON d.doc_id = u.doc_id"
                " WHERE c.coder = ? AND NOT u.is_interviewer",
                (coder,),
            ).fetchall()
            plain = Counter((code, cluster) for code, cluster, _ in rows)
            counted = store.code_unit_counts(coder, "-")
            assert {(c, k): n for c, k, n in counted} == dict(plain), coder
            assert counted == sorted(counted)  # by code, then cluster
            assert (coder == "nobody") == (not counted)


def test_the_also_index_holds_only_shared_codings_and_still_serves(sample_project, tmp_path):
    """Schema 13: the `also` index is partial (a third of the default coder's rows, none of
    an import's), and a coder's shared codings are still found through it."""
    project = tmp_path / "p"
    shutil.copytree(sample_project, project)
    with Store(project / "clusterqda.sqlite") as store:
        (sql,) = store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'coding_data_also'"
        ).fetchone()
        assert sql.endswith("WHERE also IS NOT NULL")
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT code_id, unit FROM coding_data WHERE also = 1"
        ).fetchall()
        assert any("coding_data_also" in row[-1] for row in plan)
        shared = store.conn.execute("SELECT COUNT(*) FROM coding_data WHERE also IS NOT NULL")
        assert shared.fetchone()[0] > 0  # the default coder shares most of the rules' codings


def test_machine_codings_store_none_as_null_and_values_as_given(project):
    """write_codings binds stand-ins for None (0, -1, '', NaN): the table holds NULL there
    and every real value as given, a zero offset and a zero probability among them."""
    import pytest

    from coding.errors import ProjectError

    with Store(project / "clusterqda.sqlite") as store:
        _one_turn(store)
        store.register_coder("rules@x", "rules", None, None)
        store.register_coder("hybrid@x", "hybrid", None, None)
        (unit,) = store.conn.execute("SELECT rowid FROM units WHERE unit_id = 'd#2'").fetchone()
        rows = [
            (unit, 0, None, "A", None, None, None, "model", (), None, None, None),
            (unit, 0, 1, "B", "positive", 0, 0, "B", ("合作社",), 0.0, "negative", 0.5),
            (unit, 1, None, "C", "mixed", 8, 11, "C", ("合作社",), 1.0, None, None),
            (unit, 0, 1, "D", "neutral", 6, 13, "D", (), None, None, 0.0),
        ]
        store.write_codings(["rules@x", "hybrid@x"], ["d#2"], rows)
        stored = store.conn.execute(
            'SELECT unit, coder, also, code_id, stance, start, "end", probability, also_stance,'
            " also_probability FROM coding_data ORDER BY rowid"
        ).fetchall()
        rules, hybrid = (
            store.conn.execute("SELECT rowid FROM coders WHERE coder = ?", (c,)).fetchone()[0]
            for c in ("rules@x", "hybrid@x")
        )
        want = [
            (unit, rules, None, "A", None, None, None, None, None, None),
            (unit, rules, hybrid, "B", "positive", 0, 0, 0.0, "negative", 0.5),
            (unit, hybrid, None, "C", "mixed", 8, 11, 1.0, None, None),
            (unit, rules, hybrid, "D", "neutral", 6, 13, None, None, 0.0),
        ]
        assert stored == want
        with pytest.raises(ProjectError, match="''"):  # '' stands for no stance: refused
            store.write_codings(["rules@x"], ["d#2"], [(*rows[0][:4], "", *rows[0][5:])])
