with source as (
    select * from {{ source('lake', 'upi_switch_adjustments') }}
)

select
    upi_txn_id,
    rrn,
    adj_type,
    adj_date,
    txn_date,
    amount_paise,
    reason_code,
    reason
from source
