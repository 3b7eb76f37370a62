"""Refunds: full and partial money-back on captured payments."""
