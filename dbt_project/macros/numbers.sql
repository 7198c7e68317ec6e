{#- `expression` (a double as dlt loads JSON numbers with a fraction) as decimal(precision, scale),
    rounded the same on DuckDB and PostgreSQL: PostgreSQL reads a double to 15 significant digits
    (2.135 stays 2.135 and rounds to 2.14), DuckDB takes its exact binary value (2.13499…, 2.13).
    Cut to 9 decimals first, both round the decimal written. -#}
{% macro as_decimal(expression, precision=18, scale=2) -%}
    cast(cast({{ expression }} as decimal(38, 9)) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{#- `amount` where `currency_code` is RUB, else null (revenue counts roubles only), as decimal(18, 2):
    through as_decimal, as a CASE's result loses the scale on PostgreSQL (numeric, not numeric(18, 2)),
    and the marts' money columns would change type with the marketplaces built. -#}
{% macro price_in_roubles(amount, currency_code) -%}
    {{ as_decimal("case when " ~ currency_code ~ " = 'RUB' then " ~ amount ~ " end") }}
{%- endmacro %}

{#- A money amount the API sends as text ("1990.00") as decimal(18, 2); a decimal comma ("499,00") and
    thousands spaces read as written, anything else that is no number null: one odd value must not
    fail the build (as a hard cast did) but cost that value alone. -#}
{% macro text_to_money(text_expression) -%}
    {{ return(adapter.dispatch('text_to_money')(text_expression)) }}
{%- endmacro %}

{% macro default__text_to_money(text_expression) -%}
    try_cast(replace(replace(replace({{ text_expression }}, ' ', ''), '\u00a0', ''), ',', '.') as decimal(18, 2))
{%- endmacro %}

{#- PostgreSQL 15 has no try_cast: cast only what reads as a number. The cast wraps the CASE, whose
    result would lose the type's scale (numeric, not numeric(18, 2)). -#}
{% macro postgres__text_to_money(text_expression) -%}
    {%- set cleaned = "replace(replace(replace(" ~ text_expression ~ ", ' ', ''), '\u00a0', ''), ',', '.')" -%}
    cast(case when {{ cleaned }} ~ '^[+-]?[0-9]+(\.[0-9]+)?$' then {{ cleaned }} end as decimal(18, 2))
{%- endmacro %}

{#- The units `alias` (a row with units_ordered and in_stock_days, int_stock_positions') sells in `days`
    days at its ADS: units × days / in-stock days, the units and days ADS divides, not the ADS rounded to
    6 decimals (6 / 7 = 0.857143 made 36 units over 42 days 36.000006, an order of 37). One
    floating-point division of whole numbers, the same on both engines; null without an in-stock day. -#}
{% macro units_sold_in(alias, days) -%}
    cast({{ alias }}.units_ordered * ({{ days }}) as double precision) / nullif({{ alias }}.in_stock_days, 0)
{%- endmacro %}

{#- `quantity` × `price` (roubles) as decimal(18, 2): null when the price is unknown, but 0 when the
    quantity is 0 (no sales put nothing at risk, no overstock is worth nothing), price or not. -#}
{% macro value_at_price(quantity, price) -%}
    cast(case when {{ quantity }} = 0 then 0 else {{ quantity }} * {{ price }} end as decimal(18, 2))
{%- endmacro %}
