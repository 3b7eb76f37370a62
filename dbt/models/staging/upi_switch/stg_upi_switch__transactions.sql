with source as (
    select * from {{ source('lake', 'upi_switch_transactions') }}
)

select
    upi_txn_id,
    rrn,
    txn_type,
    txn_at,
    business_date,
    payer_vpa,
    payee_vpa,
    amount_paise,
    response_code,
    status,
    merchant_ref as payment_id,
    is_duplicate_in_file
from source
