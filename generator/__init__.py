"""paper-digest: a static-site generator for research-paper feed dumps."""

__version__ = "0.1.0"
