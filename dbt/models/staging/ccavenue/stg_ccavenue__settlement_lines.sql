-- CCAvenue settlement lines in the canonical gateway-line shape. Order No is our payment id;
-- refunds and chargebacks carry no id of their own, so they are keyed by payment and amount.
with source as (
    select * from {{ source('lake', 'ccavenue_settlement_lines') }}
),

renamed as (
    select
        'ccavenue' as gateway,
        case transaction_type
            when 'Sale' then 'payment'
            when 'Refund' then 'refund'
            when 'Chargeback' then 'chargeback'
        end as line_type,
        reference_no as gateway_entity_id,
        reference_no as gateway_payment_id,
        order_no as payment_id,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        cast(null as {{ dbt.type_string() }}) as dispute_id,
        amount_paise,
        fees_paise as fee_paise,
        tax_paise,
        net_amount_paise as net_paise,
        payout_reference as settlement_id,
        utr_no as settlement_utr,
        settlement_date,
        order_at as created_at,
        business_date,
        lower(payment_mode) as method,
        file_sha256,
        source_row,
        is_duplicate_in_file
    from source
)

select * from renamed
