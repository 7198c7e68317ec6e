-- Ozon's two pairs of stock figures, per product and load (see source_comparisons): ozon_fbo (/v4 fbo
-- present − reserved vs Σ /v1/analytics/stocks available) and ozon_fbs (/v4 fbs + rfbs present −
-- reserved vs the FBS warehouse stock report, by offer_id); a figure is null when its source gave none,
-- but for the marts' own source read whole (0: an empty answer is a comparison).
-- Stock on partner warehouses (fbp) is in neither pair: the FBS report covers the seller's own only.
{{ config(enabled=marketplace_enabled('ozon')) }}
with ozon_product_offers as (
    select
        account,
        product_id,
        offer_id
    from {{ ref('stg_ozon__products') }}
),

ozon_product_skus as (
    select
        account,
        product_id,
        sku
    from {{ ref('int_ozon_product_skus') }}
    -- a SKU kept as a product of its own (sku-<SKU>) has no product_id to compare by
    where product_id is not null
),

ozon_v4 as (
    select
        stocks.account,
        stocks.load_id,
        stocks.product_id,
        case when stocks.stock_type = 'fbo' then 'ozon_fbo' else 'ozon_fbs' end as comparison,
        max(stocks.synced_at) as snapshot_at,
        sum(stocks.present_quantity - stocks.reserved_quantity) as quantity
    from ({{ completed_snapshot_rows('ozon', 'product_stocks') }}) as stocks
    where stocks.stock_type in ('fbo', 'fbs', 'rfbs')
    group by
        stocks.account,
        stocks.load_id,
        stocks.product_id,
        case when stocks.stock_type = 'fbo' then 'ozon_fbo' else 'ozon_fbs' end
),

-- The other source of each comparison, per warehouse: analytics by SKU, the FBS report by offer_id.
ozon_by_warehouse as (
    {%- for comparison, resource, product_column, products in [
        ('ozon_fbo', 'analytics_stocks', 'sku', 'ozon_product_skus'),
        ('ozon_fbs', 'warehouse_stock_report', 'offer_id', 'ozon_product_offers')
    ] %}
        {{ 'union all' if not loop.first }}
        select
            stocks.account,
            stocks.load_id,
            products.product_id,
            '{{ comparison }}' as comparison,
            max(stocks.synced_at) as snapshot_at,
            sum(stocks.available_quantity) as quantity
        from ({{ completed_snapshot_rows('ozon', resource) }}) as stocks
        inner join {{ products }} as products
            on
                stocks.account = products.account
                and stocks.{{ product_column }} = products.{{ product_column }}
        group by stocks.account, stocks.load_id, products.product_id
    {%- endfor %}
),

-- Products the /v4 snapshot lists (it lists every product asked for). When /v4 sent no row of a
-- comparison's stock types in a load (since Ozon's announced change it sends no FBO), the other
-- source's products all stay: source_comparisons marks such loads no_comparable_source.
ozon_listed as (
    select distinct
        account,
        load_id,
        product_id
    from ozon_v4
),

ozon_v4_loads as (
    select distinct
        comparison,
        account,
        load_id
    from ozon_v4
),

-- The loads that read whole the source the marts take each comparison's stock from (analytics for
-- FBO, /v4 for FBS): a product it lacks there is 0, as in the marts, even when it listed nothing at
-- all (an answer that came back empty is what the comparison must catch).
marts_source_loads as (
    {%- for comparison, resource in [('ozon_fbo', 'analytics_stocks'), ('ozon_fbs', 'product_stocks')] %}
        {{ 'union all' if not loop.first }}
        select
            account,
            load_id,
            '{{ comparison }}' as comparison
        from ({{ reported_snapshot_loads('ozon', resource) }}) as whole_reads
    {%- endfor %}
),

-- Every product either source gave in a load; a quantity is null where its source gave none.
ozon_pairs as (
    select
        'ozon' as marketplace,
        coalesce(v4.comparison, by_warehouse.comparison) as comparison,
        coalesce(v4.account, by_warehouse.account) as account,  -- noqa: RF04
        coalesce(v4.load_id, by_warehouse.load_id) as load_id,
    {{ product_key("'ozon'", 'coalesce(v4.account, by_warehouse.account)',
                   'coalesce(v4.product_id, by_warehouse.product_id)') }} as product_key,
        coalesce(v4.snapshot_at, by_warehouse.snapshot_at) as snapshot_at,
        case
            when marts_loads.comparison = 'ozon_fbs' then coalesce(v4.quantity, 0) else v4.quantity
        end as expected_quantity,
        case
            when marts_loads.comparison = 'ozon_fbo' then coalesce(by_warehouse.quantity, 0) else by_warehouse.quantity
        end as observed_quantity
    from ozon_v4 as v4
    full outer join ozon_by_warehouse as by_warehouse
        using (account, load_id, product_id, comparison)
    left join marts_source_loads as marts_loads
        on
            coalesce(v4.comparison, by_warehouse.comparison) = marts_loads.comparison
            and coalesce(v4.account, by_warehouse.account) = marts_loads.account
            and coalesce(v4.load_id, by_warehouse.load_id) = marts_loads.load_id
    left join ozon_listed as listed
        on
            coalesce(v4.account, by_warehouse.account) = listed.account
            and coalesce(v4.load_id, by_warehouse.load_id) = listed.load_id
            and coalesce(v4.product_id, by_warehouse.product_id) = listed.product_id
    left join ozon_v4_loads as v4_loads
        on
            coalesce(v4.comparison, by_warehouse.comparison) = v4_loads.comparison
            and coalesce(v4.account, by_warehouse.account) = v4_loads.account
            and coalesce(v4.load_id, by_warehouse.load_id) = v4_loads.load_id
    where listed.product_id is not null or v4_loads.load_id is null
)

select * from ozon_pairs
