"""Parsers of the outside world's files: pure functions from bytes to typed rows plus rejects.

One module per external format. No I/O inside: the same parser serves the CLI, Airflow and the
tests. Whole-file problems raise ``FileRejected``; row problems become ``RowReject`` entries.
"""
