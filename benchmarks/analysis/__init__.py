"""Analysis: pure functions of DataFrames read from ``trials.parquet``.

Nothing here re-runs an experiment, touches disk or draws plots, so each function can be
checked against hand-computed numbers on a small frame.
"""
