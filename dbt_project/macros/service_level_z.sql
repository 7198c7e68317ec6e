{#- The standard normal quantile z for a cycle service level (one of the usual table values),
    used in safety stock = z × σ(daily sales) × √(lead time). -#}
{% macro service_level_z_table() -%}
    {{ return({0.8: 0.84, 0.85: 1.04, 0.9: 1.28, 0.95: 1.65, 0.975: 1.96, 0.98: 2.05, 0.99: 2.33, 0.995: 2.58}) }}
{%- endmacro %}

{#- z of `service_level`; another value stops with the line of var service_level's rule
    (macros/settings.sql), rendered at parse time before the on-run-start check. -#}
{% macro service_level_z(service_level) -%}
    {%- set problem = service_level_problem(service_level) -%}
    {%- if problem -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- endif -%}
    {{ service_level_z_table()[service_level] }}
{%- endmacro %}
