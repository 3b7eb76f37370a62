-- One row per BNPL application: what the applicant declared and the bureau returned, joined to
-- the customer's payment behaviour in our books strictly before the application date (no
-- look-ahead): volume, failed attempts, refunds, chargebacks, tenure and velocity.
--
-- How it is computed (joining every application to every earlier payment of its customer, then
-- grouping those rows by (application, day) and (application, merchant) for the distinct counts,
-- took most of the CPU of a recon build: a customer applies up to once a month). The payments
-- are folded into dated parts per customer: one per day paid (attempts, failed, captured,
-- amount), one per merchant on the day first paid, one per refund and chargeback on the later
-- of its own and its payment's day (both must be before the application). Then:
--   * an application after the customer's last dated part counts them all: the customer's
--     totals, one group-by per customer;
--   * any other application adds up the parts dated before it (a join, as before).
-- Both give what `business_date < applied_on` over the payments gives.
with applications as (
    select * from {{ ref('stg_ledger__bnpl_applications') }}
),

customers as (
    select * from {{ ref('stg_ledger__customers') }}
),

payments as {{ inline_cte() }} (
    select payment_id, customer_id, merchant_id, status, amount_paise, business_date
    from {{ ref('stg_ledger__payments') }}
    where customer_id is not null and business_date is not null
),

-- A merchant counts from the first day the customer paid it.
first_paid_merchants as (
    select customer_id, min(business_date) as business_date
    from payments
    where merchant_id is not null
    group by customer_id, merchant_id
),

-- A refund or chargeback counts once both it and its payment are before the application.
reversals as (
    select
        p.customer_id,
        x.kind,
        case when x.business_date > p.business_date then x.business_date else p.business_date end
            as business_date
    from (
        select 'refund' as kind, payment_id, business_date from {{ ref('stg_ledger__refunds') }}
        union all
        select 'chargeback', payment_id, business_date from {{ ref('stg_ledger__chargebacks') }}
    ) x
    join payments p on p.payment_id = x.payment_id
    where x.business_date is not null
),

day_parts as (
    select
        customer_id,
        business_date,
        count(*) as attempts,
        sum(case when status = 'failed' then 1 else 0 end) as failed,
        sum(case when status = 'captured' then 1 else 0 end) as captured,
        sum(case when status = 'captured' then amount_paise else 0 end) as captured_paise,
        1 as payment_day,
        0 as new_merchants,
        0 as refunds,
        0 as chargebacks
    from payments
    group by customer_id, business_date

    union all

    select customer_id, business_date, 0, 0, 0, 0, 0, 1, 0, 0
    from first_paid_merchants

    union all

    select customer_id, business_date, 0, 0, 0, 0, 0, 0,
        case when kind = 'refund' then 1 else 0 end,
        case when kind = 'chargeback' then 1 else 0 end
    from reversals
),

{%- set behaviour_columns %}
        cast(sum(d.attempts) as bigint) as payment_attempts,
        cast(sum(d.failed) as bigint) as failed_attempts,
        cast(sum(d.captured) as bigint) as captured_payments,
        cast(sum(d.captured_paise) as bigint) as captured_amount_paise,
        cast(sum(d.payment_day) as bigint) as active_days,
        cast(sum(d.new_merchants) as bigint) as distinct_merchants,
        cast(max(d.attempts) as bigint) as max_attempts_in_a_day,
        cast(sum(d.refunds) as bigint) as refunds,
        cast(sum(d.chargebacks) as bigint) as chargebacks,
        max(case when d.payment_day = 1 then d.business_date end) as last_payment_date
{%- endset %}

customer_totals as (
    select
        d.customer_id,
        max(d.business_date) as last_part_date,
        {{ behaviour_columns }}
    from day_parts d
    group by d.customer_id
),

-- Applications with parts of their customer on or after their date: the parts before it.
behaviour_before as (
    select
        a.application_id,
        {{ behaviour_columns }}
    from applications a
    join customer_totals t
        on t.customer_id = a.customer_id
        and a.applied_on <= t.last_part_date
    join day_parts d
        on d.customer_id = a.customer_id
        and d.business_date < a.applied_on
    group by a.application_id
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
    coalesce(t.payment_attempts, b.payment_attempts, 0) as payment_attempts,
    coalesce(t.failed_attempts, b.failed_attempts, 0) as failed_attempts,
    coalesce(t.captured_payments, b.captured_payments, 0) as captured_payments,
    coalesce(t.captured_amount_paise, b.captured_amount_paise, 0) as captured_amount_paise,
    coalesce(t.active_days, b.active_days, 0) as active_days,
    coalesce(t.distinct_merchants, b.distinct_merchants, 0) as distinct_merchants,
    coalesce(t.max_attempts_in_a_day, b.max_attempts_in_a_day, 0) as max_attempts_in_a_day,
    coalesce(t.refunds, b.refunds, 0) as refunds,
    coalesce(t.chargebacks, b.chargebacks, 0) as chargebacks,
    cast({{ dbt.datediff('coalesce(t.last_payment_date, b.last_payment_date)', 'a.applied_on', 'day') }} as integer) as days_since_last_payment,
    a.is_defaulted
from applications a
left join customers c on c.customer_id = a.customer_id
-- An application after everything its customer did counts the customer's totals ...
left join customer_totals t
    on t.customer_id = a.customer_id
    and a.applied_on > t.last_part_date
-- ... any other, the parts before it.
left join behaviour_before b on b.application_id = a.application_id
