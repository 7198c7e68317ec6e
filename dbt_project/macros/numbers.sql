{#- `expression` (a double as dlt loads JSON numbers with a fraction) as decimal(precision, scale),
    rounded the same on DuckDB and PostgreSQL: PostgreSQL reads a double to 15 significant digits
    (2.135 stays 2.135 and rounds to 2.14), DuckDB takes its exact binary value (2.13499…, 2.13).
    Cut to 9 decimals first, both round the decimal written. -#}
{% macro as_decimal(expression, precision=18, scale=2) -%}
    cast(cast({{ expression }} as decimal(38, 9)) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}
