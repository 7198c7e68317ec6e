-- Every completed Ozon stock snapshot, one row per product, warehouse and stock type:
--   * fbo: per Ozon warehouse from /v1/analytics/stocks (available; in transit: units in the
--     seller's supply requests, in supplies on their way, and being prepared for sale at the
--     warehouse, «Готовим к продаже», each unit in one stage; Ozon gives no per-warehouse reserve),
--     warehouse spelling resolved;
--   * fbs, rfbs: the seller's own stock from /v4/product/info/stocks, which Ozon reports per
--     product, not per warehouse: it sits on the pseudo-warehouse СКЛАДЫ_ПРОДАВЦА; fbp, the stock
--     on partner warehouses (Ozon's FBP scheme), likewise on СКЛАДЫ_ПАРТНЕРОВ.
--     Available there is present minus reserved. The v4 fbo totals are not used: the analytics
--     rows split the same units by warehouse. A row is keyed by its product_id; one of a product
--     the catalogue lacks (its info was not read) by its entry's `sku`, as its orders and FBO stock
--     are (int_ozon_product_skus: `sku-<SKU>`, or the catalogued product of that SKU), unless
--     another product's stock rows reach that product too (int_ozon_stock_rows_keyed_by_sku);
--     else it keeps its product_id and fails (product_not_in_catalogue).
-- Rows of loads that dlt did not finish (no _dlt_loads row with status 0) never get here, nor rows
-- of a source the loader reported skipped or failed in that run (resource_outcomes: a partial
-- snapshot). A row with an error-level data quality issue (int_ozon_quality_issues;
-- data_quality_issues lists them) has passes_checks false: its stock is unknown, and the stock
-- models leave it out (int_stock_cells_quarantined lists its cell), unless its product is not in
-- the catalogue: no cell, no row. So does a product a snapshot did not ask for, which has no row
-- there (int_ozon_stock_products_unasked): each cell the feed listed of it before gets one that fails.
with products as (
    select
        account,
        sku,
        product_ref
    from {{ ref('int_ozon_product_skus') }}
),

-- the /v4 rows of a product the catalogue lacks that their SKU keys
stock_rows_keyed_by_sku as (
    select
        account,
        product_id,
        sku,
        product_ref
    from {{ ref('int_ozon_stock_rows_keyed_by_sku') }}
),

fbo as (
    select
        stocks.account,
        products.product_ref,
        warehouse_names.warehouse_key,
        'fbo' as stock_type,
        'analytics_stocks' as snapshot_source,
        stocks.available_quantity,
        cast(null as bigint) as reserved_quantity,
        -- on its way to sale: requested for a supply, in a supply in transit, or at the warehouse
        -- being prepared for sale
        coalesce(stocks.requested_quantity, 0)
        + coalesce(stocks.in_transit_quantity, 0)
        + coalesce(stocks.preparing_quantity, 0) as in_transit_quantity,
        stocks.synced_at as snapshot_at,
        stocks.load_id,
        {{ passes_quality_checks(
            'ozon', 'analytics_stocks', 'stocks.account', ozon_analytics_stock_natural_key('stocks'), 'stocks.load_id'
        ) }} as passes_checks
    from ({{ completed_snapshot_rows('ozon', 'analytics_stocks') }}) as stocks
    inner join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
        on {{ resolves_warehouse_name('ozon', 'stocks') }}
    left join products
        on
            stocks.account = products.account
            and stocks.sku = products.sku
    where stocks.answer_copy = 1
),

not_asked as (
    -- the cells the feed listed before of a product a snapshot did not ask for: one row that fails,
    -- so that the stock there is unknown, not 0 (int_ozon_stock_products_unasked)
    select distinct
        fbo.account,
        fbo.product_ref,
        fbo.warehouse_key,
        fbo.stock_type,
        fbo.snapshot_source,
        cast(null as bigint) as available_quantity,
        cast(null as bigint) as reserved_quantity,
        cast(null as bigint) as in_transit_quantity,
        unasked.snapshot_at,
        unasked.load_id,
        false as passes_checks
    from {{ ref('int_ozon_stock_products_unasked') }} as unasked
    inner join fbo
        on
            unasked.account = fbo.account
            and unasked.product_ref = fbo.product_ref
            and unasked.snapshot_at > fbo.snapshot_at
),

per_product as (
    select
        stocks.account,
        coalesce(by_sku.product_ref, cast(stocks.product_id as varchar)) as product_ref,
        case
            when stocks.stock_type = 'fbp' then {{ warehouse_key("'ozon'", "'СКЛАДЫ_ПАРТНЕРОВ'") }}
            else {{ warehouse_key("'ozon'", "'СКЛАДЫ_ПРОДАВЦА'") }}
        end as warehouse_key,
        stocks.stock_type,
        'product_stocks' as snapshot_source,
        stocks.present_quantity - stocks.reserved_quantity as available_quantity,
        stocks.reserved_quantity,
        cast(null as bigint) as in_transit_quantity,
        stocks.synced_at as snapshot_at,
        stocks.load_id,
        {{ passes_quality_checks(
            'ozon', 'product_stocks', 'stocks.account', ozon_product_stock_natural_key('stocks'), 'stocks.load_id'
        ) }} as passes_checks
    from ({{ completed_snapshot_rows('ozon', 'product_stocks') }}) as stocks
    left join stock_rows_keyed_by_sku as by_sku
        on
            stocks.account = by_sku.account
            and stocks.product_id = by_sku.product_id
            and stocks.sku = by_sku.sku
    where stocks.stock_type <> 'fbo' and stocks.answer_copy = 1
),

unioned as (
    select * from fbo
    union all
    select * from not_asked
    union all
    select * from per_product
)

select
    'ozon' as marketplace,
    account,
    {{ product_key("'ozon'", 'account', 'product_ref') }} as product_key,
    product_ref as product_id,
    warehouse_key,
    stock_type,
    snapshot_source,
    available_quantity,
    reserved_quantity,
    in_transit_quantity,
    snapshot_at,
    load_id,
    passes_checks
from unioned
-- a row of a product the catalogue lacks (an error) is no stock cell at all
where product_ref is not null
