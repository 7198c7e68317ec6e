-- One row per value of every characteristic of every card (WB sends a list of values; a card's
-- characteristic with several values has several rows). The card comes through dlt's root id.
with cards as (
    {{ raw_table('wildberries', 'cards') }}
),

card_characteristics as (
    {{ raw_table('wildberries', 'cards__characteristics') }}
),

characteristic_values as (
    {{ raw_table('wildberries', 'cards__characteristics__value') }}
)

select
    cards.account,
    cards.nm_id,
    card_characteristics.id as characteristic_id,
    card_characteristics.name as characteristic_name,
    characteristic_values.value as characteristic_value,
    characteristic_values._dlt_list_idx as list_position,
    cards._dlt_load_id as load_id
from card_characteristics
inner join characteristic_values
    on card_characteristics._dlt_id = characteristic_values._dlt_parent_id
inner join cards
    on card_characteristics._dlt_root_id = cards._dlt_id
