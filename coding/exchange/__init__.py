"""Exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder through REFI-QDA (QDA-XML 1.0).

Two formats (schemas in ``../shared/refi-qda/``): a codebook ``.qdc`` (root
``CodeBook``) and a project ``.qdpx``, a zip of ``project.qde`` (root
``Project``: Users, CodeBook, Variables, Cases, Sources with their
PlainTextSelections and Codings, Notes, Sets …) and the source texts under
``sources/``. One module per idea:

- ``guids``: stable uuid5 GUIDs of our ids, the same in every export;
- ``xmlsafe``: XML read with DTDs and entities refused, text made XML-safe;
- ``codebook_qdc``: our code tree out as .qdc, another tool's tree in (and as YAML);
- ``project_export``: the project out as .qdpx, streamed;
- ``archive``: a .qdpx (or bare .qde) opened behind the zip guards;
- ``qde_read``: a project.qde read one source at a time;
- ``qde_columns``: a source's selections as columns, by XPath where they have
  our exports' shape;
- ``qde_ahead``: that reading (with each source's text, turns and selections
  mapped) in a second process, a batch ahead of the importer, for a large file;
- ``offsets``: which way a tool counted a source's offsets (code points,
  UTF-16 units, CRLF as two), mapped to our normalised text;
- ``qde_map``: a source's selections in that counting, with their stances and
  the units their spans fall in;
- ``project_import``: sources, codes, users and codings into a project;
- ``import_account``: what an import took and left out, and why (every
  element accounted for), in JSON and in words;
- ``codings_export``: every coding as a CSV or xlsx table.

Offsets everywhere are code points into exactly the text written to
``sources/`` (NFC, LF, no BOM): the normalised text of ARCHITECTURE.md.
"""

from coding.exchange.codebook_qdc import export_qdc, import_qdc
from coding.exchange.codings_export import CODING_COLUMNS, export_codings
from coding.exchange.project_export import ExportSummary, export_qdpx
from coding.exchange.project_import import ImportSummary, import_qdpx

__all__ = [
    "CODING_COLUMNS",
    "ExportSummary",
    "ImportSummary",
    "export_codings",
    "export_qdc",
    "export_qdpx",
    "import_qdc",
    "import_qdpx",
]
