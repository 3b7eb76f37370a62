-- BNPL applications: what the applicant declared and the bureau returned, and the observed
-- repayment outcome (90+ days past due within 6 months).
select
    application_id,
    customer_id,
    applied_at,
    applied_on,
    application_period,
    requested_amount_paise,
    cast(tenor_months as integer) as tenor_months,
    monthly_income_paise,
    existing_emi_paise,
    cast(applicant_age_years as integer) as applicant_age_years,
    employment_type,
    cast(bureau_score as integer) as bureau_score,
    cast(bureau_enquiries_6m as integer) as bureau_enquiries_6m,
    cast(delinquencies_24m as integer) as delinquencies_24m,
    cast(open_credit_lines as integer) as open_credit_lines,
    is_defaulted
from {{ source('lake', 'bnpl_applications') }}
