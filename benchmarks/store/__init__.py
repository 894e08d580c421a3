"""Store: a run directory on disk: cell files, trials.parquet, the manifest and their integrity checks."""
