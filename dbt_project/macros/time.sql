{#- The business day of a UTC timestamp: its calendar date in var('business_timezone')
    (default Europe/Moscow), where the seller's day starts and ends. -#}
{% macro to_business_date(timestamp_expression) -%}
    cast(({{ timestamp_expression }} at time zone '{{ var("business_timezone") }}') as date)
{%- endmacro %}

{#- A timestamp written in var('business_timezone') without an offset (Wildberries statistics send
    Moscow time like that), as a UTC instant. -#}
{% macro from_business_time(text_expression) -%}
    (cast({{ text_expression }} as timestamp) at time zone '{{ var("business_timezone") }}')
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
