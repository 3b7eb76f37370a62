"""Idempotency keys: a merchant's retry never charges or refunds twice."""
