"""Hostile and careless inputs: YAML and zip bombs, deep rules, odd names, huge files.

Each input is a real file written into tmp_path; where the point is the
message, the CLI is run and must print one line starting 'Error:' that names
the file, exit 1, and show no traceback.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from cli import app
from coding.errors import DocumentError, InputError, printable
from coding.ingest.read import MAX_TRANSCRIPT_BYTES, MAX_TURN_CHARS, read_file
from coding.store import encode_tokens

TURNS = "问：你们跟隔壁厂合作吗？\n答：合作，设备借来借去。\n"


def one_error_line(result, *expected: str) -> str:
    """Assert the CLI failed with one plain 'Error:' line containing ``expected``."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


def ingest(runner, project: Path, *args: str):
    return runner.invoke(app, ["ingest", *args, "--project", str(project)])


# 1. YAML bombs ---------------------------------------------------------------


def laughs(levels: int = 8) -> str:
    """Return the YAML of a 'billion laughs': each level nine aliases of the one before."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:levels], strict=False):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def test_yaml_bomb_in_front_matter_is_refused(runner, project, tmp_path):
    front = "---\nid: X1\n" + laughs() + "---\n"
    assert len(front.encode()) == 322  # the sweep's bomb: 254 MB once stored
    path = tmp_path / "bomb.txt"
    path.write_text(front + TURNS, encoding="utf-8")
    line = one_error_line(ingest(runner, project, str(path)), "bomb.txt, line 4", "aliases")
    assert len(line) < 200


def test_yaml_bomb_in_codebook_and_schema_is_refused(runner, tmp_path):
    from coding.survey.schema import SchemaError, load_schema

    codebook = tmp_path / "bomb.yaml"
    codebook.write_text(laughs() + "codes: []\n", encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", "--codebook", str(codebook)])
    one_error_line(result, "bomb.yaml, line 2", "aliases (*a) are not allowed")
    schema = tmp_path / "schema.yaml"
    schema.write_text("name: s\n" + laughs(), encoding="utf-8")
    with pytest.raises(SchemaError, match="aliases"):
        load_schema(schema)


def test_deeply_nested_front_matter_is_refused(runner, project, tmp_path):
    path = tmp_path / "deep.txt"
    path.write_text("---\nx: " + "[" * 500 + "]" * 500 + "\n---\n" + TURNS, encoding="utf-8")
    one_error_line(ingest(runner, project, str(path)), "deep.txt, line 2", "nest")


# 2. Zip bombs with lying headers ---------------------------------------------------


def lying_zip(source: Path, target: Path, member: str, padding: int) -> None:
    """Copy an Office file, padding one XML part with spaces, then make its headers lie.

    The part's declared size and CRC are set back to those of the original XML,
    so a reader that trusts the headers sees a sound, small part.
    """
    with zipfile.ZipFile(source) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    original = parts[member]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if name != member:
                out.writestr(name, data)
                continue
            with out.open(name, "w") as handle:  # streamed: the test stays small too
                handle.write(original)
                block = b" " * (1 << 20)
                for _ in range(padding // len(block)):
                    handle.write(block)
    raw = bytearray(target.read_bytes())
    crc, size = zlib.crc32(original), len(original)
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo(member)
    # local header: CRC at +14, uncompressed size at +22
    struct.pack_into("<L", raw, info.header_offset + 14, crc)
    struct.pack_into("<L", raw, info.header_offset + 22, size)
    # its central directory entry: CRC at +16, uncompressed size at +24
    entry = raw.index(b"PK\x01\x02")
    while raw[entry + 46 : entry + 46 + struct.unpack_from("<H", raw, entry + 28)[0]] != (
        member.encode()
    ):
        entry = raw.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<L", raw, entry + 16, crc)
    struct.pack_into("<L", raw, entry + 24, size)
    target.write_bytes(bytes(raw))
    with zipfile.ZipFile(target) as archive:  # the lie holds: the headers look honest
        assert archive.getinfo(member).file_size == size


@pytest.fixture(scope="module")
def docx_bomb(tmp_path_factory) -> Path:
    import docx

    folder = tmp_path_factory.mktemp("bomb")
    plain = folder / "plain.docx"
    document = docx.Document()
    document.add_paragraph("问：你们跟隔壁厂合作吗？")
    document.add_paragraph("答：合作，设备借来借去。")
    document.save(plain)
    bomb = folder / "interview.docx"
    lying_zip(plain, bomb, "word/document.xml", 320 * 2**20)  # 320 MB in some 300 KB
    assert bomb.stat().st_size < 2 * 2**20
    return bomb


def test_docx_bomb_with_lying_headers_is_refused_in_little_memory(docx_bomb):
    tracemalloc.start()
    try:
        with pytest.raises(DocumentError, match="unpacks to more than its zip headers declare"):
            read_file(docx_bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20  # trusting the headers inflates all 320 MB at once


def test_docx_bomb_is_one_plain_error(runner, project, docx_bomb):
    one_error_line(ingest(runner, project, str(docx_bomb)), "interview.docx", "zip bomb")


def test_xlsx_bomb_with_lying_headers_is_refused(tmp_path):
    from openpyxl import Workbook

    from coding.common.tables import read_table

    plain, bomb = tmp_path / "plain.xlsx", tmp_path / "answers.xlsx"
    book = Workbook()
    book.active.append(["id", "answer"])
    book.active.append(["1", "合作"])
    book.save(plain)
    lying_zip(plain, bomb, "xl/worksheets/sheet1.xml", 4 * 2**20)
    with pytest.raises(InputError, match="answers.xlsx: this Excel workbook unpacks to more"):
        read_table(bomb)
    # survey workbooks are read by the same guarded opener
    from coding.survey.read import read_chunks

    with pytest.raises(InputError, match="answers.xlsx: this Excel workbook unpacks to more"):
        next(read_chunks(bomb))


def test_sound_office_files_still_pass(tmp_path):
    from coding.ingest.read import read_docx
    from tests.conftest import GOOD

    assert "：" in read_docx(GOOD / "word.docx")


# 3. Clear errors instead of tracebacks ------------------------------------------------


def test_impossible_date_in_front_matter(runner, project, tmp_path):
    path = tmp_path / "dated.txt"
    path.write_text("---\nid: d1\ndate: 2023-13-45\n---\n" + TURNS, encoding="utf-8")
    one_error_line(ingest(runner, project, str(path)), "dated.txt, line 3", "2023-13-45")


def codebook_with(tmp_path: Path, code_id: str, rule: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(
        'codebook: t\nversion: "1"\ncodes:\n'
        f"  - id: {code_id}\n    label: 企业\n    label_en: Firms\n"
        f"    definition: 一般企业。\n    rule: {rule}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "rule", ["(" * 5000 + "企业" + ")" * 5000, "NOT " * 20000 + "企业"], ids=["parens", "nots"]
)
def test_deeply_nested_rule_is_a_codebook_error(runner, tmp_path, rule):
    book = codebook_with(tmp_path, "ACT.FIRM", rule)
    result = runner.invoke(app, ["codebook", "check", "--codebook", str(book)])
    line = one_error_line(result, "book.yaml", "line 4", "'ACT.FIRM'", "nests more than 50")
    assert len(line) < 400  # the rule is quoted in part, not 20,000 words of it


def test_a_list_as_code_id_is_refused(runner, tmp_path):
    book = codebook_with(tmp_path, "[a, b]", "企业")
    result = runner.invoke(app, ["codebook", "check", "--codebook", str(book)])
    one_error_line(result, "book.yaml", "line 4", "'id' must be a single value, not a list")


def test_printable_escapes_controls_only():
    assert printable("a\x1b[31mb\x85\u202ec 问\t") == "a\\x1b[31mb\\x85\\u202ec 问\\x09"


def test_control_characters_in_file_names_are_escaped(runner, project, tmp_path):
    bad = tmp_path / "\x1b[31mred.txt"
    bad.write_bytes(b"")
    result = ingest(runner, project, str(bad))
    one_error_line(result, "\\x1b[31mred.txt", "empty")
    assert "\x1b" not in result.output
    folder = tmp_path / "ok"
    folder.mkdir()
    (folder / "\x1b]0;owned\x07doc.txt").write_text(TURNS, encoding="utf-8")
    (folder / "\x1b[2Jplain.txt").write_text("没有说话人标签的一段文字。", encoding="utf-8")
    result = ingest(runner, project, str(folder))
    assert result.exit_code == 0, result.output
    assert "\\x1b[2Jplain.txt: no speaker turns" in result.stderr  # the warning
    status = runner.invoke(app, ["status", "--project", str(project)])
    assert status.exit_code == 0
    for output in (result.output, status.output):
        assert "\x1b" not in output and "\x07" not in output
    markup = tmp_path / "[bold]x.txt"
    markup.write_bytes(b"")
    one_error_line(ingest(runner, project, str(markup)), "[bold]x.txt")  # shown, not obeyed


# 4. Manifests that name bare file names ----------------------------------------------


def corpus_with_manifest(tmp_path: Path, folders: list[str]) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    for folder in folders:
        (corpus / folder).mkdir(parents=True)
        (corpus / folder / "DS01.txt").write_text(TURNS, encoding="utf-8")
    (corpus / "DS02.txt").write_text(TURNS, encoding="utf-8")
    manifest = tmp_path / "meta" / "manifest.csv"
    manifest.parent.mkdir()
    manifest.write_text("file,id,cluster\nDS02.txt,ds02,灯饰\nDS01.txt,ds01,花卉\n", "utf-8")
    return corpus, manifest


def test_manifest_bare_names_match_the_ingested_files(runner, project, tmp_path):
    from coding.project import open_project

    corpus, manifest = corpus_with_manifest(tmp_path, ["2023"])
    result = ingest(runner, project, str(corpus), "--manifest", str(manifest))
    assert result.exit_code == 0, result.output
    with open_project(project) as store:
        clusters = {
            doc_id: d.metadata.get("cluster") for doc_id, d in store.document_index().items()
        }
    assert clusters == {"ds01": "花卉", "ds02": "灯饰"}


def test_manifest_bare_name_matching_two_files_is_refused(runner, project, tmp_path):
    corpus, manifest = corpus_with_manifest(tmp_path, ["2023", "2024"])
    result = ingest(runner, project, str(corpus), "--manifest", str(manifest))
    one_error_line(result, "manifest.csv, line 3", "'DS01.txt'", "matches 2 of the files")


def test_manifest_name_matching_no_file_is_still_refused(runner, project, tmp_path):
    corpus, manifest = corpus_with_manifest(tmp_path, ["2023"])
    manifest.write_text("file,id\nDS09.txt,x\n", encoding="utf-8")
    result = ingest(runner, project, str(corpus), "--manifest", str(manifest))
    one_error_line(result, "manifest.csv, line 2", "'DS09.txt', which does not exist")


# 5. Scale: stated limits, and tokens cut a batch at a time ------------------------------


def test_a_file_over_the_size_limit_is_refused_before_reading(runner, project, tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # sparse: no disk or time spent
        handle.truncate(MAX_TRANSCRIPT_BYTES + 1)
    one_error_line(ingest(runner, project, str(path)), "huge.txt", "at most 20 MB")


def test_a_turn_over_the_length_limit_is_refused_with_its_line(runner, project, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(TURNS + "问：" + "合作" * (MAX_TURN_CHARS // 2 + 1) + "\n", "utf-8")
    one_error_line(ingest(runner, project, str(path)), "long.txt, line 3", "at most 200,000")


def test_units_cut_in_batches_give_the_same_tokens(monkeypatch):
    import coding.ingest.run as ingest_module
    from coding.segment import get_segmenter, user_dictionary

    segmenter = get_segmenter(user_dictionary(), "jieba")
    views = ["我们跟隔壁厂合作", "设备借来借去", "镇政府出了一半的钱", "好"]
    monkeypatch.setattr(ingest_module, "CUT_BATCH_CHARS", 10)
    expected = [encode_tokens(t) for t in segmenter.cut_many(views)]
    assert ingest_module._cut_encoded(segmenter, views) == expected


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [("MAX_DOCX_BODY_BYTES", 100, "MB of XML"), ("MAX_DOCX_CHARS", 10, "characters")],
)
def test_a_docx_over_its_limits_is_refused(monkeypatch, limit, value, message):
    import coding.ingest.read as read_module
    from tests.conftest import GOOD

    monkeypatch.setattr(read_module, limit, value)  # the real limits need a 20 MB file
    with pytest.raises(DocumentError, match=f"word.docx: .*{message}.*split it"):
        read_file(GOOD / "word.docx")


def test_a_broken_first_file_is_refused_before_a_dictionary_is_loaded(store, tmp_path, monkeypatch):
    import coding.ingest.run as ingest_module

    def no_segmenter(*args, **kwargs):
        raise AssertionError("a segmenter was built for an ingest that must fail")

    monkeypatch.setattr(ingest_module, "choose_engine", no_segmenter)
    monkeypatch.setattr(ingest_module, "get_segmenter", no_segmenter)
    (tmp_path / "a.txt").write_text("---\nid: a\ndate: 2023-13-45\n---\n" + TURNS, "utf-8")
    with pytest.raises(InputError, match="a.txt, line 3"):
        ingest_module.ingest(store, [tmp_path / "a.txt"])
