-- One row per size and barcode of every card read from the trash (a size without barcodes once,
-- barcode null). A size sent without techSize is "0", as in stg_wildberries__card_sizes.
with sizes as (
    {{ raw_table('wildberries', 'cards_trash__sizes') }}
),

size_barcodes as (
    {{ raw_table('wildberries', 'cards_trash__sizes__skus') }}
)

select
    {{ wildberries_card_size_columns() }},
    barcodes.value as barcode,
    cards.vendor_code,
    cards.created_at,
    cards.trashed_at,
    cards.synced_at,
    cards.load_id
from {{ ref('stg_wildberries__trashed_cards') }} as cards
inner join sizes
    on cards.card_row_id = sizes._dlt_parent_id
left join size_barcodes as barcodes
    on sizes._dlt_id = barcodes._dlt_parent_id
