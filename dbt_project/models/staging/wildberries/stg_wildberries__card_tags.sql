-- The seller's tags on every card (the table appears once some card has a tag).
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with cards as (
    {{ raw_table('wildberries', 'cards') }}
),

tags as (
    {{ raw_table('wildberries', 'cards__tags') }}
)

select
    card.account,
    card.nm_id,
    tag.id as tag_id,
    tag.name as tag_name,
    tag.color as tag_colour,
    tag._dlt_list_idx as list_position,
    card._dlt_load_id as load_id
from tags as tag
inner join cards as card
    on tag._dlt_parent_id = card._dlt_id
