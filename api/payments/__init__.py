"""Payments: attempts against an order, routed to a gateway, authorised and captured."""
