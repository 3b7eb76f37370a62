"""Webhooks to merchants: signed events, delivery with retries, and how merchants verify them.

User need: a merchant's server learns of payments, refunds and settlements as they happen, can
prove each call came from us, and never processes one event twice. See
``api.webhooks.signing`` (signature scheme and the merchant's verify helper) and
``api.webhooks.delivery`` (one delivery attempt, the retry schedule).
"""
