{#- Surrogate keys readable by people: `ozon:<account>:<product_id>`, `ozon:ХОРУГВИНО_РФЦ`. -#}
{% macro product_key(marketplace, account, product_id) -%}
    {{ marketplace }} || ':' || {{ account }} || ':' || cast({{ product_id }} as varchar)
{%- endmacro %}

{% macro warehouse_key(marketplace, warehouse_name) -%}
    {{ marketplace }} || ':' || {{ warehouse_name }}
{%- endmacro %}

{#- A Wildberries product is one size of a card: `<nmID>/<techSize>` (techSize "0" for a card
    without sizes). Orders, sales and the stock report all carry both, even for cards no longer
    in the catalogue, which the size's chrtID would not allow. -#}
{% macro wildberries_product_id(nm_id, tech_size) -%}
    cast({{ nm_id }} as varchar) || '/' || {{ tech_size }}
{%- endmacro %}

{% macro wildberries_product_key(account, nm_id, tech_size) -%}
    {{ product_key("'wildberries'", account, wildberries_product_id(nm_id, tech_size)) }}
{%- endmacro %}
