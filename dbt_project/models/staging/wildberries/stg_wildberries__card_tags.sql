-- The seller's tags on every card (the table appears once some card has a tag).
{{ child_rows('wildberries', 'cards', 'cards__tags',
    {'account': ['account', 'varchar'], 'nm_id': ['nm_id', 'bigint']},
    {'id': ['tag_id', 'bigint'], 'name': ['tag_name', 'varchar'], 'color': ['tag_colour', 'varchar']}) }}
