"""`python -m bench`: see bench/run.py and docs/benchmarks.md."""

from bench.run import main

raise SystemExit(main())
