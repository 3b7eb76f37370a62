"""Chargebacks: disputes a gateway reports on captured payments, and their outcome."""
