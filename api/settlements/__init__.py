"""Settlements: what we paid each merchant, for which payments and refunds, with fees, tax and UTR."""
