{# Money is BIGINT paise. Sums are cast back to BIGINT (DuckDB's SUM(BIGINT) is a HUGEINT). #}
{% macro sum_paise(expr) -%}
    cast(coalesce(sum({{ expr }}), 0) as bigint)
{%- endmacro %}

{# Integer division of non-negative BIGINTs, truncating: DuckDB's "/" is float division. #}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'hisaab')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    (({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{# round_half_up(numerator / denominator) for non-negative integers, exactly, as hisaab.money does. #}
{% macro round_half_up_div(numerator, denominator) -%}
    cast({{ int_div('2 * (' ~ numerator ~ ') + (' ~ denominator ~ ')', '2 * (' ~ denominator ~ ')') }} as bigint)
{%- endmacro %}

{# A stable id: md5 of the parts joined by "|" (nulls as empty), the same on DuckDB and Postgres. #}
{% macro stable_hash(parts) -%}
    md5({% for p in parts %}coalesce(cast({{ p }} as {{ dbt.type_string() }}), ''){% if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}
