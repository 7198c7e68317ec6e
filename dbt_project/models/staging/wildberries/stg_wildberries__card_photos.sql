-- The photos of every card, in WB's order (list_position), one URL per rendition.
{{ child_rows('wildberries', 'cards', 'cards__photos',
    {'account': ['account', 'varchar'], 'nm_id': ['nm_id', 'bigint']},
    {'big': ['big_url', 'varchar'], 'c246x328': ['url_246x328', 'varchar'], 'c516x688': ['url_516x688', 'varchar'],
     'square': ['square_url', 'varchar'], 'tm': ['thumbnail_url', 'varchar']}) }}
