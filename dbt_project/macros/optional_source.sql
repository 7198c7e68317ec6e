{#- `select * from` a raw table that only exists once something was written to it (quarantine
    tables fill only on bad input), or no rows of the given columns while it does not exist yet. -#}
{% macro optional_source(source_name, table_name, column_types) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        select
            {%- for name, type in column_types.items() %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        where 1 = 0
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}
