{#- The marketplaces this installation loads: env MARKETPLACES, comma-separated (default ozon).
    Models of a marketplace that is not listed are disabled (dbt_project.yml) and left out of the
    unions, so a seller on one marketplace needs no empty raw tables of the other. -#}
{% macro enabled_marketplaces() -%}
    {{ return(env_var('MARKETPLACES', 'ozon').replace(' ', '').split(',')) }}
{%- endmacro %}

{% macro marketplace_enabled(name) -%}
    {{ return(name in enabled_marketplaces()) }}
{%- endmacro %}

{#- `select * from` each model of an enabled marketplace, joined with union all.
    `models` maps marketplace → model name; the models must have the same columns. -#}
{% macro union_marketplaces(models) -%}
    {%- set enabled = [] -%}
    {%- for marketplace, model in models.items() if marketplace_enabled(marketplace) -%}
        {%- do enabled.append(model) -%}
    {%- endfor -%}
    {%- if not enabled -%}
        {{ exceptions.raise_compiler_error("MARKETPLACES enables none of " ~ (models.keys() | join(", "))) }}
    {%- endif -%}
    {%- for model in enabled %}
    select * from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
