-- The size each barcode of a card names: one row per account, card (nm_id) and barcode, for the
-- orders, sales and stock report rows WB sends without techSize (macro wildberries_rows_sized). The
-- sizes of the cards listed, or of the trash for a card the list does not hold (as
-- int_wildberries_products takes them). A barcode that two sizes of one card share names neither.
-- A table, not a view over its two parents: a build's threads replacing both at once would each drop
-- it with cascade (PostgreSQL: deadlock detected). The orders, sales and stock report views read it.
{{ config(materialized='table') }}

with listed_barcodes as (
    select
        account,
        nm_id,
        tech_size,
        barcode
    from {{ ref('stg_wildberries__card_barcodes') }}
),

trashed_barcodes as (
    select
        trashed.account,
        trashed.nm_id,
        trashed.tech_size,
        trashed.barcode
    from {{ ref('stg_wildberries__trashed_card_sizes') }} as trashed
    where {{ wildberries_card_not_listed('listed_barcodes') }}
),

card_barcodes as (
    select * from listed_barcodes
    union all
    select * from trashed_barcodes
)

select
    account,
    nm_id,
    barcode,
    min(tech_size) as tech_size
from card_barcodes
where nm_id is not null and barcode is not null
group by account, nm_id, barcode
having count(distinct tech_size) = 1
