{#- Every variant column in the raw schemas of the enabled marketplaces, read from the database's
    information_schema at execute time (dlt adds them when the values come, so no YAML knows them):
    a list of {marketplace, schema, table, column, variant, received_type}. dlt names a variant
    `<column>__v_<type>` (one of its data types) and puts there the values of a raw column that came
    in a type the column cannot take (text in a bigint column), the column being null in those rows.
    A `__v_` column counts only beside a column of its base name, so a field that is merely named
    like one is not taken. -#}
{% macro raw_type_variant_columns() -%}
    {%- set found, schemas = [], {} -%}
    {%- for node in (graph.sources.values() if execute else []) if node.source_name in enabled_marketplaces() -%}
        {%- do schemas.update({node.schema | lower: node.source_name}) -%}
    {%- endfor -%}
    {%- if schemas -%}
        {%- set listed -%}
            select table_schema, table_name, column_name
            from information_schema.columns
            where
                table_catalog = '{{ target.database }}'
                and lower(table_schema) in ('{{ schemas.keys() | join("', '") }}')
        {%- endset -%}
        {%- set tables = {} -%}
        {%- for row in run_query(listed) -%}
            {%- set key = (row[0] | lower, row[1] | lower) -%}
            {%- do tables.update({key: tables.get(key, []) + [row[2] | lower]}) -%}
        {%- endfor -%}
        {%- set dlt_types = ['text', 'double', 'bool', 'timestamp', 'bigint', 'binary', 'json', 'decimal', 'wei', 'date', 'time'] -%}
        {%- set pattern = '^(.+)__v_(' ~ (dlt_types | join('|')) ~ ')$' -%}
        {%- for (schema, table), columns in tables | dictsort -%}
            {%- for column in columns | sort -%}
                {%- set match = modules.re.match(pattern, column) -%}
                {%- if match and match.group(1) in columns -%}
                    {%- do found.append({
                        'marketplace': schemas[schema], 'schema': schema, 'table': table,
                        'column': match.group(1), 'variant': column, 'received_type': match.group(2)
                    }) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}
