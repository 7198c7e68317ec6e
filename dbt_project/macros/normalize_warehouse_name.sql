{#- Canonical spelling of a warehouse name, so that `Санкт-Петербург РФЦ`, ` САНКТ_ПЕТЕРБУРГ_РФЦ `
    and `CАНКТ_ПЕТЕРБУРГ_РФЦ` (Latin C) all become `САНКТ_ПЕТЕРБУРГ_РФЦ`:
    1. Latin letters that look like Cyrillic ones become Cyrillic, Cyrillic becomes upper case, Ё becomes Е
       (translate, not upper(): upper() of Cyrillic depends on the database's locale);
    2. runs of spaces, underscores, hyphens and dots become one underscore, none at either end.
    Suffix-less and renamed spellings are not guessed here: the seed `warehouse_aliases` maps them. -#}
{% macro normalize_warehouse_name(expression) -%}
    trim(
        '_' from regexp_replace(
            translate(
                {{ expression }},
                'ABCEHKMOPTXYaceopxyабвгдеёжзийклмнопрстуфхцчшщъыьэюяЁ',
                'АВСЕНКМОРТХУАСЕОРХУАБВГДЕЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЕ'
            ),
            '[[:space:]_.-]+', '_', 'g'
        )
    )
{%- endmacro %}
