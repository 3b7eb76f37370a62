select
    merchant_id, legal_name, trade_name, category, mcc, settlement_cycle_days,
    mdr_bps_upi, mdr_bps_card, mdr_bps_netbanking, mdr_bps_wallet
from {{ source('lake', 'merchants') }}
