"""Selections read by XPath (``exchange.qde_columns``) equal the element walk's, any shape."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.exchange import qde_read
from coding.exchange.qde_columns import read_columns
from coding.exchange.qde_read import read_qde
from coding.exchange.xmlsafe import iter_ends

NS = "urn:QDA-XML:project:1.0"
USERS = ("{AAAAAAAA-0000-0000-0000-000000000001}", "aaaaaaaa-0000-0000-0000-000000000002", "")
CODES = ("C1", "{c2}", " c3 ", "")


def _attributes(values: dict) -> str:
    return "".join(f' {k}="{v}"' for k, v in values.items() if v is not None)


def _selection(pick, p: str) -> dict:
    """One selection of our exports' shape, as parts that a change can alter; ``pick``
    chooses one of a list of values."""
    user = pick(USERS)
    return {
        "tag": f"{p}PlainTextSelection",
        "attrs": {
            "guid": pick(["sg", "{SG}", ""]),
            "startPosition": pick(["0", "3", " 4"]),
            "endPosition": pick(["5", "9"]),
            "creatingUser": user,
        },
        "description": pick(DESCRIPTIONS),
        "codings": [
            {
                "tag": f"{p}Coding",
                "attrs": {"guid": "cg1", "creatingUser": user},
                "refs": [f'<{p}CodeRef targetGUID="{pick(CODES)}"/>'],
            }
        ],
    }


def _xml(sel: dict, p: str, reverse: bool) -> str:
    description = sel["description"]
    parts = [f"<{p}Description>{description}</{p}Description>"] if description is not None else []
    parts += [
        f"<{c['tag']}{_attributes(c['attrs'])}>{''.join(c['refs'])}</{c['tag']}>"
        for c in sel["codings"]
    ]
    parts.append(sel.get("extra", ""))
    if reverse:
        parts.reverse()
    return f"<{sel['tag']}{_attributes(sel['attrs'])}>{''.join(parts)}</{sel['tag']}>"


# changes to one or two selections, each of a shape the XPath reading must leave to the walk
def _two_codings_and_none(a: dict, b: dict, p: str) -> None:
    a["codings"] = a["codings"] * 2
    b["codings"] = []


def _two_text_nodes_and_none(a: dict, b: dict, p: str) -> None:
    a["description"] = "a<![CDATA[<b>]]>"
    b["description"] = ""


def _text_and_element_and_none(a: dict, b: dict, p: str) -> None:
    a["description"] = f"x<{p}Note/>"
    b["description"] = ""


def _two_descriptions_and_none(a: dict, b: dict, p: str) -> None:
    a["extra"] = f"<{p}Description>second</{p}Description>"
    b["description"] = None


def _child(xml: str):
    def change(a: dict, b: dict, p: str) -> None:
        a["extra"] = xml.format(p=p)

    return change


def _two_refs_and_none(a: dict, b: dict, p: str) -> None:
    a["codings"][0]["refs"] = a["codings"][0]["refs"] * 2
    b["codings"][0]["refs"] = []


def _ref_and_note(a: dict, b: dict, p: str) -> None:
    a["codings"][0]["refs"].append(f"<{p}NoteRef/>")
    b["codings"][0]["refs"] = []


def _set(key: str, value: str | None, where: str = "attrs"):
    def change(a: dict, b: dict, p: str) -> None:
        if where == "attrs":
            a["attrs"][key] = value
        else:
            a["codings"][0]["attrs"][key] = value

    return change


def _retag(part: str, tag: str):
    def change(a: dict, b: dict, p: str) -> None:
        if part == "selection":
            a["tag"] = tag
        elif part == "coding":
            a["codings"][0]["tag"] = tag
        else:
            a["codings"][0]["refs"] = [f'<{tag} targetGUID="C1"/>']

    return change


def _description(text: str | None):
    def change(a: dict, b: dict, p: str) -> None:
        a["description"] = text

    return change


CHANGES = [
    _two_codings_and_none,
    _two_text_nodes_and_none,
    _two_refs_and_none,
    _text_and_element_and_none,
    _two_descriptions_and_none,
    _child('<o:Coding guid="o"><{p}CodeRef targetGUID="C1"/></o:Coding>'),
    _child("<o:Description>stance: negative</o:Description>"),
    _child("<{p}NoteRef/>"),
    _ref_and_note,
    _set("name", "名"),
    _set("name", ""),
    _set("guid", None),
    _set("startPosition", "x"),
    _set("endPosition", "2.0"),
    _set("endPosition", None),
    _set("creatingUser", None),
    _set("creatingUser", None, "coding"),
    _set("creatingUser", "", "coding"),
    _set("guid", None, "coding"),
    _retag("selection", "o:PlainTextSelection"),
    _retag("coding", "o:Coding"),
    _retag("ref", "o:CodeRef"),
    _retag("ref", "CodeRef"),
    _description(None),
    _description(""),
    _description("x<Note/>y"),
    _description("<![CDATA[stance: neutral]]>"),
]
DESCRIPTIONS = ["stance: positive\nevidence: 好", "note\nStance : mixed", "evidence: &lt;b&gt;"]
EXTRAS = [
    "<{p}PlainTextContent>text</{p}PlainTextContent>",
    '<{p}Coding guid="w"/>',
    "<{p}NoteRef/>",
]


@st.composite
def project_xml(draw) -> str:
    """A project of text sources of our exports' shape, but for a change or two."""
    namespace, p = draw(
        st.sampled_from([(f'xmlns="{NS}"', ""), (f'xmlns:q="{NS}"', "q:"), ("", "")])
    )
    sources = []

    def pick(options: list):
        return draw(st.sampled_from(options))

    for k in range(draw(st.integers(1, 3))):
        selections = [_selection(pick, p) for _ in range(draw(st.integers(0, 4)))]
        if len(selections) >= 2:
            for change in draw(st.lists(st.sampled_from(CHANGES), max_size=2)):
                a, b = draw(st.permutations(selections))[:2]
                if a["codings"] and b["codings"]:  # each change expects a coding there
                    change(a, b, p)
        reverse = draw(st.booleans())
        children = [_xml(sel, p, reverse) for sel in selections]
        if draw(st.integers(0, 3)) == 0:
            extra = draw(st.sampled_from(EXTRAS)).format(p=p)
            children.insert(draw(st.integers(0, len(children))), extra)
        sources.append(
            f'<{p}TextSource guid="S{k}" name="s{k}" plainTextPath="internal://s{k}.txt">'
            + "\n".join(children)
            + f"</{p}TextSource>"
        )
    return (
        f'<{p}Project {namespace} xmlns:o="urn:other" name="p" origin="x">'
        f"<{p}Sources>{''.join(sources)}</{p}Sources></{p}Project>"
    )


def _read(xml: str) -> list:
    sources: list = []
    read_qde(io.BytesIO(xml.encode("utf-8")), "p.qde", lambda head, s: sources.append(s))
    return sources


@settings(max_examples=300, deadline=None)
@given(project_xml())
def test_selections_read_by_xpath_are_those_the_element_walk_reads(xml):
    fast = _read(xml)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qde_read, "read_columns", lambda *a: None)
        walked = _read(xml)
    assert fast == walked


def _nth(k: int):
    """Return a ``pick`` of the k-th value (round again when there are fewer)."""
    return lambda options: options[k % len(options)]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: getattr(c, "__name__", "change"))
@pytest.mark.parametrize("prefix", ["", "q:"])
def test_each_change_of_shape_is_read_as_the_element_walk_reads_it(change, prefix):
    namespace = f'xmlns="{NS}"' if not prefix else f'xmlns:q="{NS}"'
    selections = [_selection(_nth(k), prefix) for k in range(3)]
    change(selections[0], selections[1], prefix)
    children = "".join(_xml(sel, prefix, reverse=False) for sel in selections)
    xml = (
        f'<{prefix}Project {namespace} xmlns:o="urn:other"><{prefix}Sources>'
        f'<{prefix}TextSource guid="S">{children}</{prefix}TextSource>'
        f"</{prefix}Sources></{prefix}Project>"
    )
    fast = _read(xml)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qde_read, "read_columns", lambda *a: None)
        assert fast == _read(xml)


def test_our_exports_shape_is_read_by_xpath():
    selection = (
        '<PlainTextSelection guid="G1" startPosition="0" endPosition="2" creatingUser="{U1}">'
        "<Description>stance: mixed\nevidence: 好的</Description>"
        '<Coding guid="K1" creatingUser="{U1}"><CodeRef targetGUID="{C1}"/></Coding>'
        "</PlainTextSelection>"
    )
    source_xml = f'<TextSource guid="S">{selection * 3}</TextSource>'
    xml = f'<Project xmlns="{NS}"><Sources>{source_xml}</Sources></Project>'
    (source,) = iter_ends(io.BytesIO(xml.encode()), "p", ("TextSource",), "Project", "project")
    columns = read_columns(source, {})
    assert columns is not None
    assert columns.starts == [0, 0, 0] and columns.ends == [2, 2, 2]
    assert columns.codes == ["c1"] * 3 and columns.users == ["u1"] * 3
    assert columns.descriptions == ["stance: mixed\nevidence: 好的"] * 3
    assert columns.items() == [("G1", "", ["K1"])] * 3
