{# The date a transaction made on IST date `d` settles under T+`n` business days (hisaab.calendar). #}
{% macro settlement_date(d, n) -%}
    (select c2.calendar_date
       from {{ ref('business_calendar') }} c1
       join {{ ref('business_calendar') }} c2
         on c2.is_business_day
        and c2.business_day_index = c1.business_day_index
            + case when c1.is_business_day then 0 else 1 end + ({{ n }})
      where c1.calendar_date = {{ d }})
{%- endmacro %}

{# Business days after `start` up to and including `end` (0 when end <= start). #}
{% macro business_days_between(start, end) -%}
    (select greatest(0, ce.business_day_index - cs.business_day_index)
       from {{ ref('business_calendar') }} cs
       join {{ ref('business_calendar') }} ce on ce.calendar_date = {{ end }}
      where cs.calendar_date = {{ start }})
{%- endmacro %}
