-- The photos of every card, in WB's order (list_position), one URL per rendition.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with photos as (
    {{ raw_child_table('wildberries', 'cards__photos', 'cards', ['account', 'nm_id']) }}
)

select
    account,
    nm_id,
    big as big_url,
    c246x328 as url_246x328,
    c516x688 as url_516x688,
    square as square_url,
    tm as thumbnail_url,
    _dlt_list_idx as list_position,
    load_id
from photos
