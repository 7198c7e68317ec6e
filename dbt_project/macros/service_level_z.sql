{#- The standard normal quantile z for a cycle service level (one of the usual table values),
    used in safety stock = z × σ(daily sales) × √(lead time). -#}
{% macro service_level_z(service_level) -%}
    {%- set z_by_level = {0.8: 0.84, 0.85: 1.04, 0.9: 1.28, 0.95: 1.65, 0.975: 1.96, 0.98: 2.05, 0.99: 2.33, 0.995: 2.58} -%}
    {%- if service_level not in z_by_level -%}
        {{ exceptions.raise_compiler_error(
            "var service_level must be one of " ~ (z_by_level.keys() | sort | join(", ")) ~ ", not " ~ service_level
        ) }}
    {%- endif -%}
    {{ z_by_level[service_level] }}
{%- endmacro %}
