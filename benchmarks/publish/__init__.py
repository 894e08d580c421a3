"""Publish: what a finished run is shared as, above the report stage. The baseline archive
(shipped runs a new strategy is compared with, checked against a run's signatures and
built by running cells) and citable bundles (a run with its report and citation files)."""
