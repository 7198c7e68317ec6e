-- Ozon order lines of both schemes, keyed, with one status model:
--   returned   ← substatus posting_returned_to_warehouse (shipped, the buyer did not take it;
--                 Ozon sets status cancelled on these too)
--   cancelled  ← status cancelled (or cancelled_from_split_pending, not_accepted)
--   delivered  ← status delivered (bought out)
--   ordered    ← every status on the way (awaiting_*, delivering, arbitration, ...)
-- FBO lines ship from an Ozon warehouse (name resolved); FBS/rFBS lines from the seller's own
-- warehouses, the pseudo-warehouse СКЛАДЫ_ПРОДАВЦА.
-- Postings are merged in raw (one row per posting, its latest state), so every row counts, even one
-- written by a load that failed later: its older version is already gone. Lines with an error-level
-- data quality issue (int_ozon_quality_issues) are left out; data_quality_issues lists them.
with products as (
    select
        account,
        sku,
        product_ref
    from {{ ref('int_ozon_product_skus') }}
),

lines as (
    select
        fbo.*,
        'fbo' as fulfilment_scheme,
        warehouse_names.warehouse_key
    from {{ ref('stg_ozon__posting_lines_fbo') }} as fbo
    left join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
        on {{ resolves_warehouse_name('ozon', 'fbo') }}
    where {{ ozon_order_line_passes_checks('fbo') }}
    union all
    select
        fbs.*,
        'fbs' as fulfilment_scheme,
        {{ warehouse_key("'ozon'", "'СКЛАДЫ_ПРОДАВЦА'") }} as warehouse_key
    from {{ ref('stg_ozon__posting_lines_fbs') }} as fbs
    where {{ ozon_order_line_passes_checks('fbs') }}
)

select
    'ozon' as marketplace,
    lines.account,
    'ozon:' || lines.account || ':' || lines.posting_number || ':' || cast(lines.line_number as varchar)
        as order_line_key,
    lines.posting_number as order_id,
    {{ product_key("'ozon'", 'lines.account', 'products.product_ref') }} as product_key,
    lines.warehouse_key,
    lines.fulfilment_scheme,
    case
        when lines.substatus = 'posting_returned_to_warehouse' then 'returned'
        when lines.status in ('cancelled', 'cancelled_from_split_pending', 'not_accepted') then 'cancelled'
        when lines.status = 'delivered' then 'delivered'
        else 'ordered'
    end as order_status,
    lines.status as marketplace_status,
    lines.quantity,
    {{ price_in_roubles('lines.unit_price', 'lines.currency_code') }} as unit_price_rub,
    lines.currency_code,
    lines.created_at as ordered_at,
    lines.synced_at,
    lines.load_id
from lines
left join products
    on
        lines.account = products.account
        and lines.sku = products.sku
