"""Report stage: one case-study report per cluster, in several formats."""
