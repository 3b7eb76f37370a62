-- PayU settlement lines in the canonical gateway-line shape. txnid is our payment id.
with source as (
    select * from {{ source('lake', 'payu_settlement_lines') }}
),

renamed as (
    select
        'payu' as gateway,
        case action when 'capture' then 'payment' else action end as line_type,
        case when action = 'capture' then payuid else refund_id end as gateway_entity_id,
        payuid as gateway_payment_id,
        txnid as payment_id,
        case when action = 'refund' then refund_id end as refund_id,
        case when action = 'chargeback' then refund_id end as dispute_id,
        amount_paise,
        service_fee_paise as fee_paise,
        service_tax_paise as tax_paise,
        net_amount_paise as net_paise,
        settlement_id,
        mer_utr as settlement_utr,
        settlement_date,
        transaction_at as created_at,
        business_date,
        lower(mode) as method,
        file_sha256,
        source_row,
        is_duplicate_in_file
    from source
)

select * from renamed
