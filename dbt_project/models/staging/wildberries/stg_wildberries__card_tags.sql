-- The seller's tags on every card (the table appears once some card has a tag).
{{ list_items_model(
    'wildberries', 'cards__tags', 'cards', ['account', 'nm_id'],
    ['id as tag_id', 'name as tag_name', 'color as tag_colour']
) }}
