{#- Surrogate keys readable by people: `ozon:<account>:<product_id>`, `ozon:ХОРУГВИНО_РФЦ`. -#}
{% macro product_key(marketplace, account, product_id) -%}
    {{ marketplace }} || ':' || {{ account }} || ':' || cast({{ product_id }} as varchar)
{%- endmacro %}

{% macro warehouse_key(marketplace, warehouse_name) -%}
    {{ marketplace }} || ':' || {{ warehouse_name }}
{%- endmacro %}
