"""Asking the corpus: concordance search, coded-segment retrieval, word statistics, code matrices.

Each module owns one question and returns a DataFrame with documented columns
(``search.CONCORDANCE_COLUMNS``, ``retrieve.RETRIEVE_COLUMNS``,
``words.WORD_COLUMNS``, ``matrix``'s tables); ``filters.py`` turns the shared
options into a ``UnitFilter``; ``output.py`` writes CSV, xlsx or HTML by the
file's extension.
"""
