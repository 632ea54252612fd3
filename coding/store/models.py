"""Trained models, kept whole in the database with their metrics."""

from __future__ import annotations

import json

from coding.store.connection import Connection, timestamp


class ModelsTable(Connection):
    """The ``models`` table."""

    def save_model(
        self,
        version: str,
        codebook_hash: str,
        training: dict,
        params: dict,
        metrics: dict,
        blob: bytes,
        blob_sha256: str,
    ) -> None:
        """Store a trained model (replacing one of the same version)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO models VALUES (?,?,?,?,?,?,?,?)",
                (
                    version,
                    timestamp(),
                    codebook_hash,
                    json.dumps(training),
                    json.dumps(params),
                    json.dumps(metrics),
                    blob_sha256,
                    blob,
                ),
            )

    def newest_model(self, codebook_hash: str) -> tuple[str, dict, dict, str, bytes] | None:
        """Return (version, params, metrics, blob SHA-256, blob) of the newest model, or None."""
        row = self.conn.execute(
            "SELECT version, params, metrics, blob_sha256, blob FROM models"
            " WHERE codebook_hash = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (codebook_hash,),
        ).fetchone()
        if row is None:
            return None
        version, params, metrics, digest, blob = row
        return version, json.loads(params), json.loads(metrics), digest, blob

    def model_training(self, version: str) -> dict | None:
        """Return what a stored model was trained on (coder, units, fingerprint, unit ids), or
        None when no model has that version."""
        row = self.conn.execute(
            "SELECT training FROM models WHERE version = ?", (version,)
        ).fetchone()
        return None if row is None else json.loads(row[0])
