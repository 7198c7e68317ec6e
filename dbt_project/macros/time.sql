{#- The business day of a UTC timestamp: its calendar date in var('business_timezone')
    (default Europe/Moscow), where the seller's day starts and ends. -#}
{% macro to_business_date(timestamp_expression) -%}
    cast(({{ timestamp_expression }} at time zone '{{ var("business_timezone") }}') as date)
{%- endmacro %}

{#- A timestamp Wildberries statistics send ("2025-11-19T10:11:07", "…T00:44:15.5") as a UTC
    instant: "if the time zone is not given, Moscow time (UTC+3) is taken" (the API's own words), so
    a time with an offset after its seconds ("…Z", "…+05:00") is read with it, any other as Moscow
    time. The zone is WB's documented one, not the business zone. The sentinel 0001-01-01T00:00:00
    (e.g. cancelDate of an order not cancelled) is null. -#}
{% macro from_moscow_time(text_expression) -%}
    {%- set after_seconds = "upper(substr(" ~ text_expression ~ ", 20))" -%}
    case
        when {{ after_seconds }} like '%Z' or {{ after_seconds }} like '%+%' or {{ after_seconds }} like '%-%'
            then {{ try_cast_timestamp("upper(" ~ text_expression ~ ")") }}
        else ({{ try_cast_timestamp("nullif(" ~ text_expression ~ ", '0001-01-01T00:00:00')", 'timestamp') }} at time zone 'Europe/Moscow')
    end
{%- endmacro %}

{#- A timestamp the marketplace sends as text, or null when the text is not one: a garbled value
    becomes a data quality issue (rule invalid_date) instead of a failed build. -#}
{% macro try_cast_timestamp(text_expression, data_type='timestamp with time zone') -%}
    {{ return(adapter.dispatch('try_cast_timestamp')(text_expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast_timestamp(text_expression, data_type) -%}
    try_cast({{ text_expression }} as {{ data_type }})
{%- endmacro %}

{#- PostgreSQL 15 has no try_cast (pg_input_is_valid is 16+): cast only ISO 8601 text with a valid
    month, day of that month, hour, minute and second. Nested CASEs, because PostgreSQL does not
    promise to evaluate the operands of AND in order. -#}
{% macro postgres__try_cast_timestamp(text_expression, data_type) -%}
    case
        when {{ text_expression }} ~ '^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
            then case
                when cast(substr({{ text_expression }}, 9, 2) as integer) <= extract(
                    day from cast(substr({{ text_expression }}, 1, 7) || '-01' as date) + interval '1 month' - interval '1 day'
                )
                    then cast({{ text_expression }} as {{ data_type }})
            end
    end
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

{#- The current time as a UTC timestamp without zone, like the run log's columns. -#}
{% macro utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- Seconds from `earlier` to `later` (two timestamps). -#}
{% macro seconds_between(earlier, later) -%}
    extract(epoch from ({{ later }} - {{ earlier }}))
{%- endmacro %}

{#- `expression` (a timestamp or date) moved by `amount` (a whole number, negative for earlier) of
    `unit` (day, hour, ...). -#}
{% macro add_interval(expression, amount, unit) -%}
    {{ return(adapter.dispatch('add_interval')(expression, amount, unit)) }}
{%- endmacro %}

{% macro default__add_interval(expression, amount, unit) -%}
    ({{ expression }} + interval '{{ amount }} {{ unit }}')
{%- endmacro %}
