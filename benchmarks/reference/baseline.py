"""The baseline strategy: random search, reference point 0 of every normalised score.

One name, used by the normalisation (``R0``), the statistics (probability of improvement,
significance marks) and the report, so that they cannot disagree.
"""

BASELINE = "random"
