-- Wildberries orders, one line per order unit (srid; WB sends one row per unit), keyed, with the
-- marts' status model:
--   returned   ← a return (saleID R…) exists for the srid
--   cancelled  ← isCancel
--   delivered  ← a sale (saleID S…) exists for the srid: bought out
--   ordered    ← otherwise, on its way
-- WB warehouses resolve through the warehouse seeds (masked names such as "Склад WB РФ"
-- included); orders from the seller's own warehouses go to the pseudo-warehouse СКЛАДЫ_ПРОДАВЦА.
-- Orders with an error-level data quality issue (int_wildberries_quality_issues) are left out.
with orders as (
    select
        *,
        row_number() over (partition by account, srid order by last_change_date_msk desc) as recency
    from {{ ref('stg_wildberries__orders') }} as stg_orders
    where {{ passes_quality_checks(
        'wildberries', 'orders', 'stg_orders.account', 'stg_orders.srid', 'stg_orders.load_id'
    ) }}
),

sales_by_order as (
    select
        account,
        srid,
        max(case when sale_kind = 'return' then 1 else 0 end) = 1 as is_returned,
        max(case when sale_kind = 'sale' then 1 else 0 end) = 1 as is_bought_out
    from {{ ref('stg_wildberries__sales') }}
    group by account, srid
)

select
    'wildberries' as marketplace,
    orders.account,
    'wildberries:' || orders.account || ':' || orders.srid as order_line_key,
    orders.srid as order_id,
    {{ wildberries_product_key('orders.account', 'orders.nm_id', 'orders.tech_size') }} as product_key,
    case
        when orders.is_seller_warehouse then {{ warehouse_key("'wildberries'", "'СКЛАДЫ_ПРОДАВЦА'") }}
        else warehouse_names.warehouse_key
    end as warehouse_key,
    case when orders.is_seller_warehouse then 'fbs' else 'fbw' end as fulfilment_scheme,
    case
        when sales.is_returned then 'returned'
        when orders.is_cancelled then 'cancelled'
        when sales.is_bought_out then 'delivered'
        else 'ordered'
    end as order_status,
    case
        when sales.is_returned then 'return'
        when orders.is_cancelled then 'cancel'
        when sales.is_bought_out then 'sale'
        else 'order'
    end as marketplace_status,
    -- bigint, as Ozon's quantity: fact_orders' (and its sums') type must not change with the
    -- marketplaces built (an integer made it integer with Wildberries alone)
    cast(1 as bigint) as quantity,
    orders.price_with_discount as unit_price_rub,
    'RUB' as currency_code,
    orders.ordered_at,
    orders.synced_at,
    orders.load_id
from orders
left join sales_by_order as sales
    on
        orders.account = sales.account
        and orders.srid = sales.srid
left join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
    on {{ resolves_warehouse_name('wildberries', 'orders') }}
where orders.recency = 1
