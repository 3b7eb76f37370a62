-- Razorpay settlement recon lines in the canonical gateway-line shape.
-- Razorpay's fee includes GST: fee excluding GST = fee - tax.
with source as (
    select * from {{ source('lake', 'razorpay_settlement_lines') }}
),

renamed as (
    select
        'razorpay' as gateway,
        case type
            when 'payment' then 'payment'
            when 'refund' then 'refund'
            when 'adjustment' then 'chargeback'
            else type
        end as line_type,
        entity_id as gateway_entity_id,
        payment_id as gateway_payment_id,
        order_receipt as payment_id,
        case when type = 'refund' then entity_id end as refund_id,
        case when type = 'adjustment' then dispute_id end as dispute_id,
        amount_paise,
        fee_paise - tax_paise as fee_paise,
        tax_paise,
        credit_paise - debit_paise as net_paise,
        settlement_id,
        settlement_utr,
        settlement_date,
        created_at,
        business_date,
        method,
        file_sha256,
        source_row,
        is_duplicate_in_file
    from source
    where type in ('payment', 'refund', 'adjustment')
)

select * from renamed
