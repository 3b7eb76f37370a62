{#-
  Money is integer paise in 64-bit columns, through every model: fails with one row per column
  whose name ends in `_paise` (or is listed in `money_columns`) and whose type in the warehouse is
  not BIGINT — a DuckDB HUGEINT from an uncast SUM, a DOUBLE, a Postgres NUMERIC. Types come from
  the adapter's catalog when the test runs, so it checks the built relation on either engine, and
  a money column added later is checked without touching the YAML. A relation without columns
  (not built) fails too.
-#}
{% test paise_columns_are_bigint(model, money_columns=[]) %}
{%- set bad = [] -%}
{%- set n_columns = [0] -%}
{%- if execute -%}
    {%- set wanted = money_columns | map('lower') | list -%}
    {%- for col in adapter.get_columns_in_relation(model) -%}
        {%- do n_columns.append(1) -%}
        {%- set name = col.name | lower -%}
        {%- set dtype = col.dtype | lower -%}
        {%- if (name.endswith('_paise') or name in wanted) and dtype not in ('bigint', 'int8', 'int64') -%}
            {%- do bad.append((col.name, dtype)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if n_columns | length == 1 -%}
        {%- do bad.append(('(no columns: is the relation built?)', 'missing')) -%}
    {%- endif -%}
{%- endif -%}
{%- if bad %}
{%- for name, dtype in bad %}
select
    cast('{{ name }}' as {{ dbt.type_string() }}) as column_name,
    cast('{{ dtype }}' as {{ dbt.type_string() }}) as data_type
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as data_type
where 1 = 0
{%- endif %}
{% endtest %}
