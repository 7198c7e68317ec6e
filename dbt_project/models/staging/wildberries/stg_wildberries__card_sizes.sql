-- One row per size of every card (a card of one size has one, techSize "0"), with its card.
select
    cards.account,
    cards.nm_id,
    sizes.chrt_id,
    sizes.tech_size,
    sizes.wb_size,
    cards.vendor_code,
    cards.product_name,
    cards.brand,
    cards.subject_name,
    cards.created_at,
    cards.updated_at,
    cards.synced_at,
    sizes._dlt_id as size_row_id
from {{ ref('stg_wildberries__cards') }} as cards
inner join {{ source('wildberries', 'cards__sizes') }} as sizes
    on cards.card_row_id = sizes._dlt_parent_id
