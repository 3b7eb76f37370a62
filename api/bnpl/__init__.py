"""BNPL credit decisions at checkout: the merchant asks, the production credit model answers."""
