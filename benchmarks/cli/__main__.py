"""``python -m tunebench.benchmarks.cli``: the ``tunebench`` command."""

from tunebench.benchmarks.cli import main

raise SystemExit(main())
