"""Execution: one cell is a trial loop (ask, evaluate under a timeout, tell) run in a worker process."""
