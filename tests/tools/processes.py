"""Reading a child process's output in tests, with a deadline."""

from __future__ import annotations

import threading


def read_until(stream: object, needle: str, timeout: float = 60.0) -> str:
    """Lines of a child's output until one holds `needle`; fails with what was read when none does in time."""
    seen: list[str] = []
    found: list[str] = []

    def reader() -> None:
        for line in stream:  # type: ignore[attr-defined]
            seen.append(line)
            if needle in line:
                found.append(line)
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    assert found, f"no {needle!r} within {timeout}s; got: {''.join(seen)}"
    return found[0]
