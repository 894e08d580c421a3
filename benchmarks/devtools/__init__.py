"""Developer tools, not shipped in the wheel: the problem-selection pilot and the performance benchmark."""
