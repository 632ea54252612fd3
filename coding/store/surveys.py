"""Surveys, their respondents and answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from coding.errors import ProjectError
from coding.store.connection import Connection, query_frame, timestamp

if TYPE_CHECKING:
    import pandas as pd


class SurveysTable(Connection):
    """The ``surveys``, ``respondents`` and ``answers`` tables."""

    def begin_survey(self, survey: str, path: str, schema_json: str) -> None:
        """Record a survey afresh: an earlier ingest's respondents and answers go.

        Then ``add_respondents`` in batches, all inside one transaction.
        """
        with self.transaction():
            self.conn.execute("DELETE FROM surveys WHERE survey = ?", (survey,))
            self.conn.execute(
                "INSERT INTO surveys VALUES (?,?,?,?)", (survey, path, schema_json, timestamp())
            )

    def add_respondents(self, survey: str, respondents: list[tuple], answers: list[tuple]) -> None:
        """Store one batch of a survey's respondents and answers (after ``begin_survey``).

        ``respondents``: (respondent_id, cluster, role, attributes as JSON);
        ``answers``: (respondent_id, JSON object item -> [as typed, scale value]).
        """
        if not respondents:
            return
        with self.transaction():
            # one JSON parameter, however many ids (SQLite limits bound parameters)
            taken = self.conn.execute(
                "SELECT respondent_id, survey FROM respondents WHERE respondent_id IN"
                " (SELECT value FROM json_each(?)) LIMIT 1",
                (json.dumps([r[0] for r in respondents], ensure_ascii=False),),
            ).fetchone()
            if taken:
                raise ProjectError(
                    f"respondent id '{taken[0]}' is already used by the survey "
                    f"'{taken[1]}'; give each survey its own ids"
                )
            self.conn.executemany(
                "INSERT INTO respondents VALUES (?,?,?,?,?)",
                ((rid, survey, cluster, role, attrs) for rid, cluster, role, attrs in respondents),
            )
            self.conn.executemany("INSERT INTO answer_sets VALUES (?,?)", answers)

    def survey_schemas(self) -> list[str]:
        """Return the schema (JSON) of every stored survey."""
        return [raw for (raw,) in self.conn.execute("SELECT schema FROM surveys ORDER BY survey")]

    def respondents(self) -> pd.DataFrame:
        """Return every survey respondent with their attributes."""
        frame = query_frame(
            "SELECT respondent_id, survey, cluster, role, attributes FROM respondents"
            " ORDER BY survey, respondent_id",
            self.conn,
        )
        frame["attributes"] = frame["attributes"].map(json.loads)
        return frame

    def answers(self) -> pd.DataFrame:
        """Return every answer in long form: respondent_id, item, raw, value."""
        return query_frame(
            "SELECT s.respondent_id, j.key AS item, json_extract(j.value, '$[0]') AS raw,"
            " CAST(json_extract(j.value, '$[1]') AS REAL) AS value"
            " FROM answer_sets s, json_each(s.answers) j ORDER BY s.respondent_id, j.key",
            self.conn,
        )

    def respondents_per_cluster(self) -> list[tuple[str, str | None, int]]:
        """Return (survey, cluster, respondents) for every survey and cluster."""
        return self.conn.execute(
            "SELECT survey, cluster, COUNT(*) FROM respondents"
            " GROUP BY survey, cluster ORDER BY survey, cluster"
        ).fetchall()
