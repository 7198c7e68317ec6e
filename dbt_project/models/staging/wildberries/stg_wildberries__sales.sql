-- Sales (saleID S…) and returns (R…) from the statistics API, latest state per saleID. Money
-- fields can be 0 for up to 24 h after the row appears (WB fills them late). Times as in orders.
with raw_sales as (
    {{ raw_table('wildberries', 'sales') }}
),

-- without techSize, a row counts for the size of the card that holds its barcode
sales as (
    {{ wildberries_rows_sized('raw_sales') }}
)

select
    account,
    sale_id,
    srid,
    g_number as cart_id,
    case
        when sale_id like 'S%' then 'sale'
        when sale_id like 'R%' then 'return'
        else 'other'
    end as sale_kind,
    nm_id,
    barcode,
    supplier_article,
    sized_tech_size as tech_size,
    {{ warehouse_name_as_sent('warehouse_name') }} as raw_warehouse_name,
    warehouse_type,
    {{ is_wildberries_seller_warehouse('warehouse_type') }} as is_seller_warehouse,
    region_name,
    {{ as_decimal('total_price') }} as total_price,
    discount_percent,
    {{ as_decimal('spp', 9) }} as wb_discount_percent,
    {{ as_decimal('finished_price') }} as finished_price,
    {{ as_decimal('price_with_disc') }} as price_with_discount,
    {{ as_decimal('for_pay') }} as for_pay,
    {{ as_decimal('payment_sale_amount') }} as wallet_discount,
    {{ from_moscow_time('"date"') }} as sold_at,
    date as sold_at_msk,
    {{ from_moscow_time('last_change_date') }} as changed_at,
    last_change_date as last_change_date_msk,
    synced_at,
    _dlt_load_id as load_id
from sales
