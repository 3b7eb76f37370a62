-- Our books: every payment attempt, with the fee and GST we expect at the contracted MDR.
with source as (
    select * from {{ source('lake', 'ledger_payments') }}
)

select
    payment_id,
    order_id,
    merchant_id,
    customer_id,
    method,
    gateway,
    gateway_payment_id,
    rrn,
    amount_paise,
    status,
    mdr_bps,
    fee_paise,
    gst_paise,
    created_at,
    captured_at,
    business_date,
    is_upi_deemed
from source
