-- Values a marketplace sent in a type their raw column cannot take (a quantity as text, "2 шт."):
-- dlt keeps them in a variant column beside it (`quantity__v_text`) and leaves the column null, so
-- the models read null there (an order line without a quantity is then a data quality error). One
-- row per raw column and type received, with how many rows and an example; the raw tables are found
-- in the database at build time (macro raw_type_variant_columns). The first select only types the
-- columns.
select
    cast(null as varchar) as marketplace,
    cast(null as varchar) as raw_table,
    cast(null as varchar) as raw_column,
    cast(null as varchar) as variant_column,
    cast(null as varchar) as received_type,
    cast(null as bigint) as row_count,
    cast(null as varchar) as example_value
where 1 = 0
{%- for variant in raw_type_variant_columns() %}
union all
select
    '{{ variant.marketplace }}' as marketplace,
    '{{ variant.table }}' as raw_table,
    '{{ variant.column }}' as raw_column,
    '{{ variant.variant }}' as variant_column,
    '{{ variant.received_type }}' as received_type,
    count(*) as row_count,
    min(cast({{ adapter.quote(variant.variant) }} as varchar)) as example_value
from {{ variant.schema }}.{{ adapter.quote(variant.table) }}
where {{ adapter.quote(variant.variant) }} is not null
having count(*) > 0
{%- endfor %}
