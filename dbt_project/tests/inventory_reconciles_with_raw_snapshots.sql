-- No unit is lost or invented between the newest raw snapshot and the inventory mart:
-- per account and stock type, inventory available = analytics available (fbo) or
-- present - reserved (seller stock). Returns the accounts and stock types that disagree.
with raw_totals as (
    select
        account,
        'fbo' as stock_type,
        sum(available_quantity) as available_quantity
    from ({{ latest_completed_snapshot(ref('stg_ozon__analytics_stocks'), ref('stg_ozon__loads')) }}) as fbo_stock
    group by account
    union all
    select
        account,
        stock_type,
        sum(present_quantity - reserved_quantity) as available_quantity
    from ({{ latest_completed_snapshot(ref('stg_ozon__product_stocks'), ref('stg_ozon__loads')) }}) as seller_stock
    where stock_type <> 'fbo'
    group by account, stock_type
),

mart_totals as (
    select
        account,
        stock_type,
        sum(available_quantity) as available_quantity
    from {{ ref('inventory') }}
    group by account, stock_type
)

select
    coalesce(raw_totals.account, mart_totals.account) as seller_account,
    coalesce(raw_totals.stock_type, mart_totals.stock_type) as stock_type,
    raw_totals.available_quantity as raw_available,
    mart_totals.available_quantity as mart_available
from raw_totals
full outer join mart_totals
    on
        raw_totals.account = mart_totals.account
        and raw_totals.stock_type = mart_totals.stock_type
where raw_totals.available_quantity is distinct from mart_totals.available_quantity
