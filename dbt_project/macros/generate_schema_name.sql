{#- Custom schemas are used as given (`marts`, not `main_marts`): analysts query marts.inventory.
    Runs never collide because each environment has its own DuckDB file or PostgreSQL database. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
