"""`python -m bench`: see bench/run.py and the README section "Benchmarks"."""

from bench.run import main

raise SystemExit(main())
