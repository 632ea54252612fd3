"""What an imported file's codes and users become in the project.

Codes map to the project's codebook by GUID (ours are uuid5 of our ids, so a
tool that kept our tree sends them back), then by full path of names; the rest
keep the ids of the file's own codebook. Each user becomes a person coder by
name, a name kept for machine coders or the consensus renamed.
"""

from __future__ import annotations

from coding.codebook import Codebook
from coding.exchange.codebook_qdc import codebook_tree, tree_ids
from coding.exchange.guids import code_guid
from coding.exchange.import_account import ImportSummary
from coding.exchange.qde_read import QdeHead
from coding.store import Store

CONSENSUS = "consensus"  # coding.sheets.layout.CONSENSUS, the adjudicated coder


def map_codes(codebook: Codebook, head: QdeHead, summary: ImportSummary) -> dict[str, str]:
    """Return our code id for every code GUID of the file, counting how each was matched."""
    # dimensions and groups too: a tool that kept our tree sends them back
    ours_by_guid: dict[str, str] = {}
    ours_by_path: dict[tuple[str, ...], str] = {}

    def walk(nodes, path: tuple[str, ...]) -> None:
        for node in nodes:
            here = (*path, node.name)
            ours_by_guid[code_guid(node.id).lower()] = node.id
            ours_by_path[here] = node.id
            walk(node.children, here)

    walk(codebook_tree(codebook), ())
    code_ids: dict[str, str] = {}
    for code, own_id, _ in tree_ids(head.codes):
        summary.in_file["codes"] += 1
        summary.counts["codes"] += 1
        if code.guid in ours_by_guid:
            mapped = ours_by_guid[code.guid]
            summary.codes_by_guid += 1
        elif code.path in ours_by_path:
            mapped = ours_by_path[code.path]
            summary.codes_by_path += 1
        else:
            mapped = own_id
            summary.codes_own += 1
        code_ids.setdefault(code.guid, mapped)
    return code_ids


def reserved_coder(store: Store, name: str) -> bool:
    """Return whether ``name`` is kept for machine coders (``kind@version``) or the consensus.

    The rule of ``coding.sheets.people.reserved_coder`` (a test keeps them equal),
    here so that an import loads neither ``coding.sheets`` nor pandas for it.
    """
    return name == CONSENSUS or "@" in name or store.coder_kinds().get(name, "human") != "human"


def coder_name(
    store: Store, head: QdeHead, guid: str | None, coders: dict[str, str], warnings: list[str]
) -> str:
    """Return the coder a user GUID becomes (renaming names kept for machines); ``coders``
    remembers the choice."""
    guid = guid or head.creating_user or ""
    if guid in coders:
        return coders[guid]
    name = " ".join(head.users.get(guid, "").split()) or (
        f"user {guid[:8]}" if guid else "imported"
    )
    if reserved_coder(store, name):
        renamed = name.replace("@", "-") + " (imported)"
        warnings.append(
            f"user '{name}' is a name kept for machine coders or the consensus; "
            f"their codings are stored as '{renamed}'"
        )
        name = renamed
    coders[guid] = name
    return name
