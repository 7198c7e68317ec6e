{#- The business day of a UTC timestamp: its calendar date in var('business_timezone')
    (default Europe/Moscow), where the seller's day starts and ends. -#}
{% macro to_business_date(timestamp_expression) -%}
    cast(({{ timestamp_expression }} at time zone '{{ var("business_timezone") }}') as date)
{%- endmacro %}

{#- A timestamp Wildberries statistics send as Moscow time without an offset ("2025-11-19T10:11:07",
    "…T00:44:15.5"), as a UTC instant. The zone is WB's documented one, not the business zone.
    The sentinel 0001-01-01T00:00:00 (e.g. cancelDate of an order not cancelled) is null. -#}
{% macro from_moscow_time(text_expression) -%}
    (cast(nullif({{ text_expression }}, '0001-01-01T00:00:00') as timestamp) at time zone 'Europe/Moscow')
{%- endmacro %}

{#- Integers 0 .. 10^digits - 1 as column `n`, from cross-joined digits: portable, no generate_series. -#}
{% macro integers(digits) -%}
    select
        {% for position in range(digits) -%}
            digit_{{ position }}.d * {{ 10 ** position }}{{ " + " if not loop.last }}
        {%- endfor %} as n
    from
        {% for position in range(digits) -%}
            (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_{{ position }} (d)
            {{- ", " if not loop.last }}
        {% endfor %}
{%- endmacro %}
