-- Every booked line of every escrow statement (MT940, camt.053, bank CSV) in one shape.
with source as (
    select * from {{ source('lake', 'bank_statement_entries') }}
)

select
    source as bank_source,
    statement_id,
    entry_seq,
    {{ stable_hash(['source', 'statement_id', 'entry_seq']) }} as bank_entry_id,
    booking_date,
    value_date,
    amount_paise,
    direction,
    signed_amount_paise,
    channel,
    utr,
    bank_reference,
    narration,
    counterparty_name,
    business_date
from source
