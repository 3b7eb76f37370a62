select refund_id, payment_id, merchant_id, gateway, amount_paise, created_at, business_date, status
from {{ source('lake', 'ledger_refunds') }}
