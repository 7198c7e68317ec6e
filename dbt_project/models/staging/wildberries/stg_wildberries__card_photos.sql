-- The photos of every card, in WB's order (list_position), one URL per rendition.
{{ list_items_model(
    'wildberries', 'cards__photos', 'cards', ['account', 'nm_id'],
    [
        'big as big_url', 'c246x328 as url_246x328', 'c516x688 as url_516x688', 'square as square_url',
        'tm as thumbnail_url'
    ]
) }}
