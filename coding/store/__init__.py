"""The project database: one SQLite file, versioned schema, every write a transaction.

A package by table family: ``connection.py`` (opening, migrations, transactions),
``schema.py`` (the migrations), ``documents.py``, ``tokens.py``, ``codings.py``,
``surveys.py``, ``models.py``, ``episodes.py``; ``rows.py`` names the rows they
return. Every SQL statement of clusterqda is in here, so another database could
stand behind the same methods. ``Store`` is all of them on one connection.
"""

from coding.store.codepresence import CodePresenceTable
from coding.store.codings import CodingsTable
from coding.store.connection import Connection
from coding.store.documents import DocumentsTable
from coding.store.episodes import EpisodesTable
from coding.store.exchange import ExchangeTable
from coding.store.models import ModelsTable
from coding.store.rows import CodingRow, DocumentCount, SheetRow, StoredDocument, UnitToCode
from coding.store.schema import MIGRATIONS, SCHEMA_VERSION
from coding.store.search import SearchTable, UnitFilter, UnitRow
from coding.store.surveys import SurveysTable
from coding.store.tokencodec import decode_tokens, encode_tokens
from coding.store.tokens import TokensTable
from coding.store.wordcounts import WordCountsTable


class Store(
    DocumentsTable,
    TokensTable,
    CodingsTable,
    SurveysTable,
    ModelsTable,
    EpisodesTable,
    SearchTable,
    ExchangeTable,
    CodePresenceTable,
    WordCountsTable,
    Connection,
):
    """A project database connection with every table family; use as a context manager."""


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "CodingRow",
    "DocumentCount",
    "SheetRow",
    "Store",
    "StoredDocument",
    "UnitFilter",
    "UnitRow",
    "UnitToCode",
    "decode_tokens",
    "encode_tokens",
]
