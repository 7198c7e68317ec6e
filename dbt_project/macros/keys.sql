{#- Surrogate keys readable by people: `ozon:<account>:<product_id>`, `ozon:ХОРУГВИНО_РФЦ`. -#}
{% macro product_key(marketplace, account, product_id) -%}
    {{ marketplace }} || ':' || {{ account }} || ':' || cast({{ product_id }} as varchar)
{%- endmacro %}

{% macro warehouse_key(marketplace, warehouse_name) -%}
    {{ marketplace }} || ':' || {{ warehouse_name }}
{%- endmacro %}

{#- The warehouse name of a row as sent, or, for a row sent without one or with a blank one (the field
    is optional), `склад без названия <warehouse id>` (macro unnamed_warehouse: the name another row
    gives that id resolves it, int_ozon_warehouse_spellings) or `склад не указан`: names no seed
    resolves, so the row stays in the marts under unresolved:… and rule unknown_warehouse flags it,
    instead of falling out unnoticed. -#}
{% macro warehouse_name_as_sent(name_column, id_column=none) -%}
    coalesce(case when trim({{ name_column }}) <> '' then {{ name_column }} end,
        {%- if id_column %} {{ unnamed_warehouse(id_column) }},{% endif %} 'склад не указан')
{%- endmacro %}

{% macro unnamed_warehouse(id_column) -%}
    'склад без названия ' || cast({{ id_column }} as varchar)
{%- endmacro %}

{#- Join condition: the row `alias`'s raw_warehouse_name, a warehouse name of `marketplace` as sent,
    is the one the int_warehouse_names_resolved row `warehouse_names` resolves. -#}
{% macro resolves_warehouse_name(marketplace, alias) -%}
    warehouse_names.marketplace = '{{ marketplace }}'
    and {{ alias }}.raw_warehouse_name = warehouse_names.raw_warehouse_name
{%- endmacro %}

{#- The location key of a cluster (Ozon cluster, WB federal district): `ozon:cluster:Москва`. -#}
{% macro cluster_key(marketplace, cluster_name) -%}
    {{ marketplace }} || ':cluster:' || {{ cluster_name }}
{%- endmacro %}

{#- A Wildberries product is one size of a card: `<nmID>/<techSize>` (techSize "0" for a card
    without sizes). Orders, sales and the stock report all carry both, even for cards no longer
    in the catalogue, which the size's chrtID would not allow. -#}
{% macro wildberries_product_id(nm_id, tech_size) -%}
    cast({{ nm_id }} as varchar) || '/' || {{ tech_size }}
{%- endmacro %}

{% macro wildberries_product_key(account, nm_id, tech_size) -%}
    {{ product_key("'wildberries'", account, wildberries_product_id(nm_id, tech_size)) }}
{%- endmacro %}

{#- The rows of `relation` (Wildberries orders, sales or stock report rows: account, nm_id, barcode,
    tech_size as sent) with sized_tech_size, the size they count for: techSize as sent; when WB sent
    none, the size of the card that holds the row's barcode (stg_wildberries__barcode_sizes), not
    "0" beside the card's real sizes (a phantom product holding the size's stock or orders). "0"
    when that size is "0" itself (a card of one size) or no size of the card holds the barcode. -#}
{% macro wildberries_rows_sized(relation) -%}
    select
        sized_rows.*,
        coalesce(sized_rows.tech_size, barcode_sizes.tech_size, '0') as sized_tech_size
    from {{ relation }} as sized_rows
    left join {{ ref('stg_wildberries__barcode_sizes') }} as barcode_sizes
        on
            sized_rows.account = barcode_sizes.account
            and sized_rows.nm_id = barcode_sizes.nm_id
            and sized_rows.barcode = barcode_sizes.barcode
{%- endmacro %}

{#- The columns that name a size of a Wildberries card, from the `cards` and their `sizes` (the
    cards' dlt child table): account, nm_id, chrt_id, tech_size and wb_size. A size sent without
    techSize, or with "" (read as null, macro raw_table), is "0", as is the size of a card of one
    size, as orders and the stock report send it (macro wildberries_rows_sized: orders, sales and
    stock rows sent without techSize take the size that holds their barcode). -#}
{% macro wildberries_card_size_columns() -%}
    cards.account,
    cards.nm_id,
    sizes.chrt_id,
    coalesce(sizes.tech_size, '0') as tech_size,
    sizes.wb_size
{%- endmacro %}

{#- The product key a Wildberries stock comparison counts a row of `alias` under: its size, or its
    whole card (`<nmID>/*`) where the joined `unmapped` row says the card's sizes are unknown. -#}
{% macro wildberries_comparison_key(alias) -%}
    {{ wildberries_product_key(alias ~ '.account', alias ~ '.nm_id',
        "case when unmapped.nm_id is null then " ~ alias ~ ".tech_size else '*' end") }}
{%- endmacro %}

{#- Whether the card of the trashed size `trashed` is one `listed` does not hold: the trash fills in a
    card the list leaves out, while a card both listed and trashed (trashed after the list read it)
    keeps the list's sizes and fields. -#}
{% macro wildberries_card_not_listed(listed) -%}
    not exists (
        select 1
        from {{ listed }} as listed
        where
            listed.account = trashed.account
            and listed.nm_id = trashed.nm_id
    )
{%- endmacro %}
