"""Reading transcript files: encodings, .docx, and broken files."""

import zipfile

import pytest

from coding.errors import DecodingError, DocumentError
from coding.ingest.read import decode_bytes, read_file
from tests.conftest import BAD, GOOD


@pytest.mark.parametrize(
    ("name", "encoding", "snippet"),
    [
        ("qa_fullwidth.txt", "utf-8", "设备借来借去"),
        ("gbk.txt", "gb18030", "反倾销那次"),
        ("bom_crlf.txt", "utf-8-sig", "担保公司"),
        ("big5_traditional.txt", "big5", "跟本地廠商合作開發燈具"),
        ("word.docx", "docx", "订单班，企业出设备"),
    ],
)
def test_each_encoding_is_detected(name, encoding, snippet):
    _, text, used = read_file(GOOD / name)
    assert used == encoding
    assert snippet in text


def test_encoding_override_is_used():
    _, text, used = read_file(GOOD / "gbk.txt", encoding="gbk")
    assert used == "gbk" and "商会牵头" in text


def test_wrong_encoding_override_names_the_line():
    with pytest.raises(DecodingError) as info:
        read_file(GOOD / "gbk.txt", encoding="utf-8")
    assert info.value.line == 3  # "cluster: 测试集群", the first line with Chinese
    assert "gbk.txt, line 3: the bytes are not valid utf-8" in str(info.value)


def test_unknown_encoding_name():
    with pytest.raises(DecodingError, match="unknown encoding 'klingon'"):
        read_file(GOOD / "gbk.txt", encoding="klingon")


def test_undecodable_file_suggests_encoding_and_names_line():
    with pytest.raises(DecodingError) as info:
        read_file(BAD / "undecodable.txt")
    assert info.value.line == 3
    assert "--encoding" in str(info.value)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.txt", "the file is empty"),
        ("blank.txt", "the file is empty"),
        ("binary.txt", "binary file"),
        ("corrupt.docx", "not a valid Word document"),
        ("old.doc", "save the file as .docx"),
    ],
)
def test_broken_files_get_one_sentence(name, message):
    with pytest.raises(DocumentError) as info:
        read_file(BAD / name)
    assert message in str(info.value)
    assert str(info.value).startswith(str(BAD / name))


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(DocumentError, match="unsupported file type"):
        read_file(path)


def test_docx_zip_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b" " * 5_000_000 + b">")
    with pytest.raises(DocumentError, match="zip bomb"):
        read_file(bomb)


def test_utf16_with_bom_is_read():
    text, used = decode_bytes("问：好\n答：好\n".encode("utf-16"), "x.txt")
    assert used == "utf-16" and text == "问：好\n答：好\n"
