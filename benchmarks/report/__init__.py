"""Reports computed from stored runs alone (``trials.parquet`` + ``manifest.json``)."""

from tunebench.benchmarks.report.build import build_report

__all__ = ["build_report"]
