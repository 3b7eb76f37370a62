"""Hisaab kernel: settings, money, ids, the business calendar, logging and the CLI.

Every other package (pipelines, risk, api, dags) may import from here; nothing here imports them
except the CLI, which is the user's front door to all of them.
"""

__version__ = "0.1.0"
