-- The photos of every card, in WB's order (list_position), one URL per rendition.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with cards as (
    {{ raw_table('wildberries', 'cards') }}
),

photos as (
    {{ raw_table('wildberries', 'cards__photos') }}
)

select
    card.account,
    card.nm_id,
    photo.big as big_url,
    photo.c246x328 as url_246x328,
    photo.c516x688 as url_516x688,
    photo.square as square_url,
    photo.tm as thumbnail_url,
    photo._dlt_list_idx as list_position,
    card._dlt_load_id as load_id
from photos as photo
inner join cards as card
    on photo._dlt_parent_id = card._dlt_id
