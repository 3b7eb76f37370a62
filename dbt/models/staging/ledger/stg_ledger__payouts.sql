select
    payout_id, merchant_id, bank_source, payout_date, amount_paise, mode, utr,
    beneficiary_ifsc, status
from {{ source('lake', 'ledger_payouts') }}
