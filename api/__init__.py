"""The transaction core merchants integrate with: a Razorpay-shaped payments API over our ledger."""
