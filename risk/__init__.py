"""Risk: BNPL credit scoring and AML monitoring on top of the warehouse."""
