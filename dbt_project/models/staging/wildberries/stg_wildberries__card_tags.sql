-- The seller's tags on every card (the table appears once some card has a tag).
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with tags as (
    {{ raw_child_table('wildberries', 'cards__tags', 'cards', ['account', 'nm_id']) }}
)

select
    account,
    nm_id,
    id as tag_id,
    name as tag_name,
    color as tag_colour,
    _dlt_list_idx as list_position,
    load_id
from tags
