"""Plan: a suite file becomes cells (which problems, axes, strategies and seeds), with cost estimates."""
