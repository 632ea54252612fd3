"""Codebooks as REFI-QDA ``.qdc`` files: our tree out, another tool's tree in.

Out: every dimension and group becomes a code that cannot be coded
(``isCodable="false"``), every code of the codebook a codable one under its
parent, named ``<id> <label>`` and described by its English label,
definitions, when to use it, examples and counter-examples. GUIDs come from
the ids (``guids.code_guid``), so two exports of any project agree.

In: the code tree of a ``.qdc`` (or a project's ``CodeBook``), kept apart by
GUID and path, never by name: two codes called "Other" under different
parents stay two codes. ``codebook_yaml`` turns such a tree into a codebook
every command loads: ids are ours where the GUID is one of ours, otherwise
made from the GUID; rules are placeholders that never match, to be written by
the researcher.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from coding.codebook import FIXED_IDS, Codebook
from coding.common.files import atomic_write
from coding.errors import ExchangeError
from coding.exchange.guids import code_guid, normal_guid
from coding.exchange.xmlsafe import escape_attr, escape_text, iter_elements, local_name

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# A rule that parses but can never give evidence: except() drops every hit of
# the term that lies inside a hit of the same term, which is all of them.
PLACEHOLDER_RULE = "except(待写规则, 待写规则)"


@dataclass
class CodeNode:
    """A code of the exported tree: dimensions and groups are not codable."""

    id: str
    name: str
    codable: bool
    description: str
    children: list[CodeNode] = field(default_factory=list)


@dataclass
class ImportedCode:
    """A code read from another tool, with the names of its ancestors."""

    guid: str  # as compared: lower case, no braces
    name: str
    codable: bool
    description: str
    path: tuple[str, ...]  # names from the root down to this code, itself included
    parent: str | None  # the parent's GUID
    children: list[ImportedCode] = field(default_factory=list)


@dataclass
class CodeTree:
    """The codes of a codebook or project: roots in order, and every code by GUID."""

    roots: list[ImportedCode] = field(default_factory=list)
    by_guid: dict[str, ImportedCode] = field(default_factory=dict)
    duplicates: int = 0  # codes whose GUID an earlier code already had
    sets: int = 0
    problems: list[str] = field(default_factory=list)


def _description(code) -> str:
    lines = [code.label_en, code.definition]
    if code.definition_en:
        lines.append(code.definition_en)
    if code.include:
        lines.append(f"何时使用 When to use: {code.include}")
    if code.exclude:
        lines.append(f"何时不用 When not to use: {code.exclude}")
    lines += [f"例句 Example: {e}" for e in code.examples]
    lines += [f"反例 Counter-example: {e}" for e in code.counter_examples]
    return "\n".join(lines)


def codebook_tree(codebook: Codebook) -> list[CodeNode]:
    """Return the codebook as a tree: dimensions, then groups, then codes and sub-codes."""
    nodes: dict[str, CodeNode] = {}
    roots: list[CodeNode] = []

    def node_for(node_id: str) -> CodeNode:
        if node_id in nodes:
            return nodes[node_id]
        if "." not in node_id:
            info = codebook.dimensions.get(node_id, {})
            made = CodeNode(
                node_id,
                f"{node_id} {info.get('label', '')}".strip(),
                False,
                str(info.get("label_en", "")),
            )
            roots.append(made)
        else:
            info = codebook.groups.get(node_id, {})
            made = CodeNode(
                node_id,
                f"{node_id} {info.get('label', '')}".strip(),
                False,
                str(info.get("label_en", "")),
            )
            node_for(node_id.rsplit(".", 1)[0]).children.append(made)
        nodes[node_id] = made
        return made

    for dimension in codebook.dimensions:
        node_for(dimension)
    for code in codebook.codes.values():
        made = CodeNode(code.id, f"{code.id} {code.label}", True, _description(code))
        if code.id in nodes:  # a group of the same id was made first: the code replaces it
            made.children = nodes[code.id].children
        nodes[code.id] = made
        parent = node_for(code.parent) if "." in code.id else None
        (parent.children if parent else roots).append(made)
    return roots


def code_elements(roots: list[CodeNode], indent: str = "") -> str:
    """Return ``<Code>`` elements for a tree (the same in a .qdc and a project's CodeBook)."""
    parts = []
    for node in roots:
        head = (
            f'{indent}<Code guid="{code_guid(node.id)}" name="{escape_attr(node.name)}" '
            f'isCodable="{"true" if node.codable else "false"}"'
        )
        inner = ""
        if node.description:
            inner += f"{indent}  <Description>{escape_text(node.description)}</Description>\n"
        inner += code_elements(node.children, indent + "  ")
        parts.append(f"{head}>\n{inner}{indent}</Code>\n" if inner else f"{head}/>\n")
    return "".join(parts)


def export_qdc(codebook: Codebook, out: str | Path) -> Path:
    """Write the codebook as a REFI-QDA codebook (.qdc); return the path."""
    import coding

    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<CodeBook xmlns="{CODEBOOK_NS}" origin="clusterqda {escape_attr(coding.__version__)}">\n'
        "<Codes>\n" + code_elements(codebook_tree(codebook)) + "</Codes>\n</CodeBook>\n"
    )
    with atomic_write(out, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(out)


def read_code(element, parent: ImportedCode | None, tree: CodeTree) -> ImportedCode:
    """Return one ``<Code>`` element (and its sub-codes) as an ImportedCode, indexed by GUID."""
    name = element.get("name") or ""
    guid = normal_guid(element.get("guid") or "")
    code = ImportedCode(
        guid=guid,
        name=name,
        codable=(element.get("isCodable") or "true").strip().lower() in ("true", "1"),
        description="",
        path=((*parent.path, name) if parent else (name,)),
        parent=parent.guid if parent else None,
    )
    for child in element:
        kind = local_name(child.tag)
        if kind == "Description":
            code.description = child.text or ""
        elif kind == "Code":
            code.children.append(read_code(child, code, tree))
    if not guid:
        tree.problems.append(f"code '{name}' has no GUID")
    elif guid in tree.by_guid:
        tree.duplicates += 1
    else:
        tree.by_guid[guid] = code
    return code


def read_qdc(handle: IO[bytes], where: str) -> CodeTree:
    """Read a .qdc codebook: the code tree and how many sets it has."""
    tree = CodeTree()
    depth = 0
    root_seen = False
    for event, element in iter_elements(handle, where):
        name = local_name(element.tag)
        if event == "start":
            if not root_seen:
                root_seen = True
                if name != "CodeBook":
                    raise ExchangeError(
                        f"this is not a REFI-QDA codebook (its root is <{name}>, not <CodeBook>)",
                        where,
                    )
            depth += 1
            continue
        depth -= 1
        if name == "Code" and depth == 2:  # CodeBook > Codes > Code
            tree.roots.append(read_code(element, None, tree))
        elif name == "Set" and depth == 2:
            tree.sets += 1
    return tree


def known_ids() -> dict[str, str]:
    """Return our code, group and dimension ids by their GUID (lower case)."""
    ids: dict[str, str] = {}
    for code_id in FIXED_IDS:
        parts = code_id.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            ids[code_guid(prefix).lower()] = prefix
    return ids


def imported_id(code: ImportedCode, parent_id: str | None, known: dict[str, str]) -> str:
    """Return the id an imported code gets: ours when the GUID is ours, else one from the GUID."""
    if code.guid in known:
        return known[code.guid]
    digest = hashlib.sha1(code.guid.encode("utf-8")).hexdigest()[:6].upper()
    return f"{parent_id}.Q{digest}" if parent_id else f"Q{digest}"


def tree_ids(tree: CodeTree) -> list[tuple[ImportedCode, str, str | None]]:
    """Return every code of a tree with the id it gets and its parent's id, parents first."""
    known = known_ids()
    used: set[str] = set()
    out: list[tuple[ImportedCode, str, str | None]] = []

    def add(code: ImportedCode, parent_id: str | None) -> None:
        code_id = imported_id(code, parent_id, known)
        if code_id in used:  # a GUID given twice: the path keeps the two apart
            twin = ImportedCode(code.guid + "/".join(code.path), "", True, "", (), None)
            code_id = imported_id(twin, parent_id, {})
        used.add(code_id)
        out.append((code, code_id, parent_id))
        for child in code.children:
            add(child, code_id)

    for root in tree.roots:
        add(root, None)
    return out


def codebook_yaml(tree: CodeTree, name: str, origin: str) -> dict:
    """Return a codebook (as the YAML's mapping) holding an imported code tree."""
    dimensions: dict[str, dict] = {}
    codes: list[dict] = []
    for code, code_id, parent_id in tree_ids(tree):
        label = code.name.strip() or code_id
        if parent_id is None:
            dimensions[code_id] = {"label": label, "label_en": label}
        codes.append(
            {
                "id": code_id,
                "label": label,
                "label_en": label,
                "definition": code.description.strip()
                or f"导入自 {origin}，无定义 (imported from {origin}, no definition)",
                "path": " / ".join(code.path),
                "guid": code.guid,
                **({} if code.codable else {"codable": False}),
                "rule": PLACEHOLDER_RULE,
            }
        )
    return {
        "codebook": name,
        "version": "0",
        "title": f"{name} (imported from {origin})",
        "dimensions": dimensions,
        "codes": codes,
    }


def write_codebook_yaml(book: dict, out: str | Path) -> Path:
    """Write a codebook mapping as YAML that ``load_codebook`` reads."""
    import yaml

    header = (
        "# Imported from a REFI-QDA codebook: codes and tree only. Every rule is a\n"
        f"# placeholder that never matches ({PLACEHOLDER_RULE}); write real rules\n"
        "# before coding with it. 'path' and 'guid' record where each code came from.\n"
    )
    with atomic_write(out, "w", encoding="utf-8") as handle:
        handle.write(header)
        yaml.safe_dump(book, handle, allow_unicode=True, sort_keys=False, width=100)
    return Path(out)


def import_qdc(path: str | Path, out: str | Path) -> tuple[Path, CodeTree]:
    """Write a codebook YAML from a .qdc file; return the YAML's path and the tree read."""
    path = Path(path)
    if not path.is_file():
        raise ExchangeError("no such file", path)
    with open(path, "rb") as handle:
        tree = read_qdc(handle, str(path))
    if not tree.by_guid:
        raise ExchangeError("this codebook has no codes", path)
    origin = path.name
    book = codebook_yaml(tree, Path(out).stem, origin)
    return write_codebook_yaml(book, out), tree
