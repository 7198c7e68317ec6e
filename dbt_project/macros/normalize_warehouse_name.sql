{#- Canonical spelling of a warehouse name, so that `Санкт-Петербург РФЦ`, ` САНКТ_ПЕТЕРБУРГ_РФЦ `,
    `CАНКТ_ПЕТЕРБУРГ_РФЦ` (Latin C) and `Санкт‑Петербург РФЦ` (a non-breaking hyphen) all become
    `САНКТ_ПЕТЕРБУРГ_РФЦ`:
    1. one translate (not upper(): upper() of Cyrillic depends on the database's locale):
       Latin letters that look like Cyrillic capitals become those, other Latin letters capitals,
       Cyrillic capitals, Ё Е; Unicode spaces become spaces and Unicode dashes hyphens (the regular
       expression's [:space:] is ASCII-only on DuckDB); zero-width characters are dropped;
    2. runs of spaces, underscores, hyphens and dots become one underscore, none at either end.
    Suffix-less and renamed spellings are not guessed here: the seed `warehouse_aliases` maps them. -#}
{% macro normalize_warehouse_name(expression) -%}
    {%- set spaces = '\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u205f\u3000' -%}
    {%- set dashes = '\u2010\u2011\u2012\u2013\u2014\u2015\u2212' -%}
    {%- set mapped = [
        ('ABCEHKMOPTXYabcehkmoptxy', 'АВСЕНКМОРТХУАВСЕНКМОРТХУ'),
        ('dfgijlnqrsuvwz', 'DFGIJLNQRSUVWZ'),
        ('абвгдеёжзийклмнопрстуфхцчшщъыьэюяЁ', 'АБВГДЕЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЕ'),
        (spaces, ' ' * (spaces | length)),
        (dashes, '-' * (dashes | length)),
    ] -%}
    {%- set dropped = '\u200b\u200c\u200d\u2060\ufeff' -%}
    trim(
        '_' from regexp_replace(
            translate(
                {{ expression }},
                '{{ mapped | map(attribute=0) | join }}{{ dropped }}',
                '{{ mapped | map(attribute=1) | join }}'
            ),
            '[[:space:]_.-]+', '_', 'g'
        )
    )
{%- endmacro %}

{#- Whether a Wildberries statistics row's `warehouseType` names the seller's own warehouse ("Склад
    продавца"), in any case or spacing: compared through normalize_warehouse_name's letter tables, as
    upper() leaves Cyrillic alone in a PostgreSQL database whose LC_CTYPE is C. -#}
{% macro is_wildberries_seller_warehouse(warehouse_type) -%}
    coalesce({{ normalize_warehouse_name(warehouse_type) }} = 'СКЛАД_ПРОДАВЦА', false)
{%- endmacro %}

{#- The first words of a Wildberries warehouse_remains entry, normalised: `В_ПУТИ` and `ВСЕГО_` begin
    its pseudo-warehouses ("В пути до получателей", "Всего находится на складах"), whatever WB's
    spacing, case or rewording of the rest; no warehouse's name begins so. -#}
{% macro wildberries_report_entry_start(warehouse_name) -%}
    left({{ normalize_warehouse_name(warehouse_name) }}, 6)
{%- endmacro %}
