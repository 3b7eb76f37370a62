"""Hisaab's transaction core: the merchant-facing payments API and what it calls.

Merchants' developers integrate with this package over HTTP; one subpackage per domain.
"""
