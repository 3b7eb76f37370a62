-- One row per BNPL application: what the applicant declared and the bureau returned, joined to
-- the customer's payment behaviour in our books strictly before the application date (no
-- look-ahead): volume, failed attempts, refunds, chargebacks, tenure and velocity.
with applications as (
    select * from {{ ref('stg_ledger__bnpl_applications') }}
),

customers as (
    select * from {{ ref('stg_ledger__customers') }}
),

payments as (
    select payment_id, customer_id, merchant_id, status, amount_paise, business_date
    from {{ ref('stg_ledger__payments') }}
),

payments_before as (
    select a.application_id, p.payment_id, p.merchant_id, p.status, p.amount_paise, p.business_date
    from applications a
    join payments p
      on p.customer_id = a.customer_id
     and p.business_date < a.applied_on
),

payment_behaviour as (
    select
        application_id,
        cast(count(*) as bigint) as payment_attempts,
        cast(sum(case when status = 'failed' then 1 else 0 end) as bigint) as failed_attempts,
        cast(sum(case when status = 'captured' then 1 else 0 end) as bigint) as captured_payments,
        {{ sum_paise("case when status = 'captured' then amount_paise else 0 end") }} as captured_amount_paise,
        cast(count(distinct business_date) as bigint) as active_days,
        cast(count(distinct merchant_id) as bigint) as distinct_merchants,
        max(business_date) as last_payment_date
    from payments_before
    group by application_id
),

attempts_per_day as (
    select application_id, business_date, count(*) as attempts
    from payments_before
    group by application_id, business_date
),

velocity as (
    select application_id, cast(max(attempts) as bigint) as max_attempts_in_a_day
    from attempts_per_day
    group by application_id
),

refunds as (
    select pb.application_id, cast(count(*) as bigint) as refunds
    from payments_before pb
    join {{ ref('stg_ledger__refunds') }} r on r.payment_id = pb.payment_id
    join applications a on a.application_id = pb.application_id and r.business_date < a.applied_on
    group by pb.application_id
),

chargebacks as (
    select pb.application_id, cast(count(*) as bigint) as chargebacks
    from payments_before pb
    join {{ ref('stg_ledger__chargebacks') }} c on c.payment_id = pb.payment_id
    join applications a on a.application_id = pb.application_id and c.business_date < a.applied_on
    group by pb.application_id
)

select
    a.application_id,
    a.customer_id,
    a.applied_at,
    a.applied_on,
    a.application_period,
    a.requested_amount_paise,
    a.tenor_months,
    a.monthly_income_paise,
    a.existing_emi_paise,
    a.applicant_age_years,
    a.employment_type,
    a.bureau_score,
    a.bureau_enquiries_6m,
    a.delinquencies_24m,
    a.open_credit_lines,
    c.gender,
    c.city_tier,
    cast({{ dbt.datediff('c.customer_since', 'a.applied_on', 'day') }} as integer) as tenure_days,
    coalesce(pb.payment_attempts, 0) as payment_attempts,
    coalesce(pb.failed_attempts, 0) as failed_attempts,
    coalesce(pb.captured_payments, 0) as captured_payments,
    coalesce(pb.captured_amount_paise, 0) as captured_amount_paise,
    coalesce(pb.active_days, 0) as active_days,
    coalesce(pb.distinct_merchants, 0) as distinct_merchants,
    coalesce(v.max_attempts_in_a_day, 0) as max_attempts_in_a_day,
    coalesce(r.refunds, 0) as refunds,
    coalesce(cb.chargebacks, 0) as chargebacks,
    cast({{ dbt.datediff('pb.last_payment_date', 'a.applied_on', 'day') }} as integer) as days_since_last_payment,
    a.is_defaulted
from applications a
left join customers c on c.customer_id = a.customer_id
left join payment_behaviour pb on pb.application_id = a.application_id
left join velocity v on v.application_id = a.application_id
left join refunds r on r.application_id = a.application_id
left join chargebacks cb on cb.application_id = a.application_id
