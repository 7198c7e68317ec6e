{#- The loader resources whose loads are order lists, as (marketplace, resource) pairs: Ozon's FBO
    and FBS posting lists, Wildberries' statistics orders. -#}
{% macro orders_feeds() -%}
    {{ return([('ozon', 'postings_fbo'), ('ozon', 'postings_fbs'), ('wildberries', 'orders')]) }}
{%- endmacro %}

{#- The orders feed (a resource of orders_feeds) whose orders are the demand of a location of
    marketplace `marketplace` whose warehouse type is `warehouse_type` (null for a cluster or an
    unknown warehouse): Ozon's seller warehouses take the FBS list, its other locations the FBO
    list, every Wildberries location the orders list. -#}
{% macro orders_feed_of(marketplace, warehouse_type) -%}
    case
        when {{ marketplace }} = 'wildberries' then 'orders'
        when {{ warehouse_type }} = 'seller' then 'postings_fbs'
        else 'postings_fbo'
    end
{%- endmacro %}

{#- Join condition: `feeds`' row (marketplace, account, resource) is the orders feed that serves the
    location of `rows` (its marketplace and account), whose dim_warehouses row is `warehouses`
    (orders_feed_of). -#}
{% macro served_by_orders_feed(rows, warehouses, feeds) -%}
    {{ rows }}.marketplace = {{ feeds }}.marketplace
    and {{ rows }}.account = {{ feeds }}.account
    and {{ feeds }}.resource = {{ orders_feed_of(rows ~ '.marketplace', warehouses ~ '.warehouse_type') }}
{%- endmacro %}
