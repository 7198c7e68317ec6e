with source as (
    {{ raw_table('ozon', 'product_list_items') }}
)

select
    account,
    product_id,
    offer_id,
    sku,
    coalesce(archived, listed_with_visibility = 'ARCHIVED') as is_archived,
    has_fbo_stocks,
    has_fbs_stocks,
    synced_at,
    _dlt_load_id as load_id
from source
