"""Pipelines: the simulated world, parsers of external file formats, landing, lake and quarantine."""

import hisaab  # noqa: F401  (first: it configures polars' allocator before polars is imported)
