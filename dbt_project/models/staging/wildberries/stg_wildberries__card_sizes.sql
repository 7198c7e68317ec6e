-- One row per size of every card (a card of one size has one, techSize "0"), with its card. A size
-- sent without techSize is "0" too (macro wildberries_card_size_columns).
with sizes as (
    {{ raw_table('wildberries', 'cards__sizes') }}
)

select
    {{ wildberries_card_size_columns() }},
    cards.vendor_code,
    cards.product_name,
    cards.brand,
    cards.subject_name,
    cards.created_at,
    cards.updated_at,
    cards.synced_at,
    sizes._dlt_id as size_row_id
from {{ ref('stg_wildberries__cards') }} as cards
inner join sizes
    on cards.card_row_id = sizes._dlt_parent_id
