-- One row per gateway settlement batch: its arithmetic, when it was due and came, and its bank credit.
select
    gateway,
    settlement_id,
    settlement_utr,
    merchant_id,
    settlement_date,
    due_date,
    is_delayed,
    gross_paise,
    fee_paise,
    tax_paise,
    refunds_paise,
    chargebacks_paise,
    net_paise,
    line_count,
    bank_source,
    bank_booking_date,
    bank_amount_paise,
    bank_difference_paise,
    bank_match_status
from {{ ref('int_settlements_matched_to_bank_credits') }}
