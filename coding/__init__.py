"""clusterqda: qualitative coding of Chinese fieldwork data on industrial clusters.

Pipeline stages, one module (or subpackage) each:
ingest -> segment -> code -> agree -> beliefs -> report.
"""

__version__ = "0.1.0"
