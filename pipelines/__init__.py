"""Pipelines: the simulated world, parsers of external file formats, landing, lake and quarantine."""
