{#-
  Money is integer paise in a 64-bit column: fails when the column's type in the warehouse is not
  BIGINT (a DuckDB HUGEINT or DOUBLE from an uncast SUM, a Postgres NUMERIC, ...). The type comes
  from the adapter's own catalog (information_schema) when the test runs, so this checks the built
  relation on whichever engine it runs on. A column that does not exist fails too.
-#}
{% test is_bigint_paise(model, column_name) %}
{%- set found = [] -%}
{%- if execute -%}
    {%- for col in adapter.get_columns_in_relation(model) -%}
        {%- if col.name | lower == column_name | lower -%}
            {%- do found.append(col.dtype | lower) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set data_type = found[0] if found else 'missing' -%}
select
    cast('{{ column_name }}' as {{ dbt.type_string() }}) as column_name,
    cast('{{ data_type }}' as {{ dbt.type_string() }}) as data_type
where {{ 'false' if (not execute) or data_type in ('bigint', 'int8', 'int64') else 'true' }}
{% endtest %}
