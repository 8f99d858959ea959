"""`python -m bench.render_workers [--size N] [--rounds R]`: does rendering in worker processes pay here?

Renders every page of a generated corpus serially and with 2..cores processes,
alternating rounds so background load hits both alike, and prints the best
wall time of each and whether the bytes are identical.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import make_entries, write_text_dumps
from generator.build import build_site, site_info
from generator.config import load_config
from generator.forks import usable_cores
from generator.parallel import render_all
from generator.site.plan import plan_pages
from generator.site.render import Renderer, theme_dirs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render_workers", description=__doc__)
    parser.add_argument("--size", type=int, default=10000, help="entries in the generated corpus (default: 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default: 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="digest-render-") as folder:
        project = Path(folder)
        (project / "digest.yaml").write_text("title: Bench\nbase_url: https://example.org/\n", encoding="utf-8")
        write_text_dumps(make_entries(args.size, 0), project / "content" / "dumps")
        config, _ = load_config(project / "digest.yaml", project)
        site = build_site(config, project).site
        renderer = Renderer(theme_dirs(config.theme, project), site_info(config))
        specs = list(plan_pages(site, config.page_size))
        counts = [1, *range(2, max(2, usable_cores()) + 1)]
        best: dict[int, float] = {}
        reference: dict[str, bytes] | None = None
        identical = True
        for _ in range(args.rounds):
            for workers in counts:
                started = time.perf_counter()
                files = render_all(specs, renderer, workers=workers)
                best[workers] = min(best.get(workers, float("inf")), time.perf_counter() - started)
                reference = reference or files
                identical = identical and files == reference
    print(f"{len(specs):,} pages from {args.size:,} entries, {usable_cores()} usable cores, load average {os.getloadavg()[0]:.1f}")
    for workers in counts:
        print(f"  {workers} process{'es' if workers > 1 else ''}: {best[workers]:.2f} s  ({best[1] / best[workers]:.2f}x)")
    print(f"  identical bytes: {'yes' if identical else 'NO'}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
