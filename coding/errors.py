"""Every exception clusterqda raises; the CLI turns the base class into one line."""

from __future__ import annotations

from pathlib import Path

# Longest part of a rule quoted in an error.
MAX_RULE_SHOWN = 80

# C0 and C1 controls, DEL and the bidirectional overrides: in a file name or
# id printed to a terminal they could recolour, rewrite or reorder the output.
_UNPRINTABLE = {
    c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    for c in (*range(0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, *range(0x202A, 0x202F))
    + tuple(range(0x2066, 0x206A))
}


def printable(text: str) -> str:
    """Return text with control characters written as \\xNN, safe to print on one line."""
    return text.translate(_UNPRINTABLE)


class ClusterQDAError(Exception):
    """Base class: a problem the user can fix, reported as one plain sentence."""


class InputError(ClusterQDAError):
    """A file the user gave us is broken; carries where the problem is."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        *,
        line: int | None = None,
        row: int | None = None,
        cell: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.row = row
        self.cell = cell
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [printable(p) for p in (self.path,) if p]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.cell is not None:
            where.append(f"cell {self.cell}")
        message = printable(self.message)
        return f"{', '.join(where)}: {message}" if where else message


class DecodingError(InputError):
    """A file's bytes are not text in any encoding we try."""


class FrontMatterError(InputError):
    """A YAML front-matter block is malformed."""


class ManifestError(InputError):
    """A manifest CSV is malformed or names files that do not exist."""


class DocumentError(InputError):
    """A document cannot be read: empty, binary, corrupt, unsupported."""


class DuplicateDocumentError(InputError):
    """Two documents claim the same id."""


class ProjectError(ClusterQDAError):
    """The project folder or its database is missing or unusable."""


class SegmenterError(ClusterQDAError):
    """The segmenter or its dictionary cannot be set up."""


class RuleSyntaxError(ClusterQDAError):
    """A coding rule does not parse, or can never match."""

    def __init__(self, message: str, rule: str, position: int) -> None:
        self.message = message
        self.rule = rule
        self.position = position
        super().__init__(str(self))

    def __str__(self) -> str:
        rule = self.rule
        if len(rule) > MAX_RULE_SHOWN:  # a rule of 20,000 NOTs is not worth a screenful
            start = max(0, self.position - MAX_RULE_SHOWN // 2)
            rule = rule[start : start + MAX_RULE_SHOWN]
            rule = (
                ("…" if start else "") + rule + ("…" if start + len(rule) < len(self.rule) else "")
            )
        return f"{self.message} (at character {self.position + 1} of rule '{rule}')"


class CodebookError(InputError):
    """A codebook file is malformed or inconsistent."""


# The problems an error about a whole file (a sheet, a survey) lists in full; the rest
# are counted.
PROBLEMS_SHOWN = 20


class SheetError(ClusterQDAError):
    """A coding workbook failed validation; every problem is listed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more else "")
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        super().__init__(f"{count}, nothing imported: {text}")


class ModelError(ClusterQDAError):
    """There is nothing to learn from, or no trained model to use."""


class OptionError(ClusterQDAError):
    """An option's value is not one the command can take (a format, a coder, a code list)."""


class NothingToDoError(ProjectError):
    """The project holds nothing this command can work on yet; the message says what to run."""


class OutputError(ClusterQDAError):
    """An output file cannot be written: a read-only folder, a full disk."""


class SchemaError(InputError):
    """A survey schema file is malformed."""


class SurveyCheckError(InputError):
    """Survey data failed its check; the first problems are listed and all are counted."""

    def __init__(
        self, path: str, problems: list[str], skippable: bool = True, count: int | None = None
    ) -> None:
        self.problems = problems
        count = max(count or 0, len(problems))
        shown = "; ".join(problems[:PROBLEMS_SHOWN])
        more = count - min(len(problems), PROBLEMS_SHOWN)
        total = f"{count} problems" if count > 1 else "1 problem"
        hint = (
            " (fix them, or pass --skip-invalid to leave those rows out)"
            if skippable
            else " (the data and the schema must name the same columns)"
        )
        super().__init__(
            f"{total}: {shown}" + (f"; and {more} more" if more > 0 else "") + hint, path
        )


class SurveyChangedError(InputError):
    """A survey file changed between its check and its ingest."""


class AgreementError(ClusterQDAError):
    """Reliability data that no statistic can be computed from."""


class ReportError(ClusterQDAError):
    """A report cannot be made as asked (no such cluster, no font for the charts)."""


class StatisticsError(ClusterQDAError):
    """Data that a test of difference cannot be computed from (fewer than two groups)."""


class QueryError(ClusterQDAError):
    """A query that cannot be answered as asked (empty pattern, unknown code, no tokens)."""
