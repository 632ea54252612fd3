"""The default coder: transparent rules plus a learned model shipped beside the codebook.

``features.py`` says what the model reads, ``weights.py`` how it is shipped (JSON and a
NumPy array, no pickle), ``learn.py`` how it is fitted and its thresholds chosen on
training gold only, ``gold.py`` which gold it learns from, ``coder.py`` the coder
that ``code``, ``code-table`` and ``evaluate`` use by default.
"""
