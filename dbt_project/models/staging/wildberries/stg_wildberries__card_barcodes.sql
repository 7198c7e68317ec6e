-- One row per barcode of every size of every card (statistics and reports name sizes by barcode),
-- with its size's row (size_row_id): a size sent without chrtID still finds its barcodes.
with size_barcodes as (
    {{ raw_table('wildberries', 'cards__sizes__skus') }}
)

select
    sizes.account,
    sizes.nm_id,
    sizes.chrt_id,
    sizes.tech_size,
    barcodes.value as barcode,
    sizes.size_row_id
from {{ ref('stg_wildberries__card_sizes') }} as sizes
inner join size_barcodes as barcodes
    on sizes.size_row_id = barcodes._dlt_parent_id
