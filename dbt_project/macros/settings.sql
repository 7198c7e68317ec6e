{#- The settings (the vars of dbt_project.yml, or `--vars`) checked in one place. A value of the
    wrong shape or out of its range stops the command with one line naming the var, the value given
    and what it must be, instead of a database error in the SQL it lands in (`Referenced column
    "abc" not found`, the square root of a negative lead time), a column of a window that does not
    exist, or silent nonsense (a negative coverage that recommends nothing, a critical threshold
    above the warning one that hides every warning). The ranges are documented next to the vars.

    validate_settings() runs first in on-run-start (dbt_project.yml): every var alone, then the
    rules between them, before any model of a build, run, test, seed, compile or docs generate.
    dbt renders that hook when it parses the project too, after the models, and a model whose
    Jinja computes with a var (a loop over velocity_windows, a sum of shares) would fail first on a
    value of the wrong type: such a model reads the var through setting(name), which checks that
    var alone (a unit test's overrides give one model vars that need not agree with the rest). -#}

{#- Every var the models, macros and tests read, in the order they are checked. -#}
{% macro setting_names() -%}
    {{ return([
        'business_timezone', 'velocity_windows', 'planning_window_days',
        'ozon_ads_tolerance', 'ozon_ads_min_difference',
        'critical_days_of_cover', 'warning_days_of_cover', 'warehouses_without_stock_feed',
        'lead_time_days', 'coverage_days', 'service_level',
        'default_min_order_quantity', 'default_pack_size',
        'lost_sales_window_days', 'abc_xyz_window_weeks', 'abc_a_share', 'abc_b_share',
        'xyz_x_max_cv', 'xyz_y_max_cv', 'overstock_days_of_cover', 'dead_stock_days',
        'localisation_window_days', 'max_plausible_quantity',
        'stock_jump_share', 'stock_jump_min_units', 'frozen_feed_syncs',
        'source_disagreement_tolerance', 'source_disagreement_min_units',
    ]) }}
{%- endmacro %}

{#- The range of each numeric var: (whole number?, lowest, highest, what it counts). -#}
{% macro _setting_ranges() -%}
    {{ return({
        'planning_window_days': (true, 1, 365, 'days'),
        'ozon_ads_tolerance': (false, 0, 1, 'a share'),
        'ozon_ads_min_difference': (false, 0, 1000, 'units a day'),
        'critical_days_of_cover': (true, 0, 365, 'days'),
        'warning_days_of_cover': (true, 1, 365, 'days'),
        'lead_time_days': (true, 0, 365, 'days'),
        'coverage_days': (true, 0, 365, 'days'),
        'default_min_order_quantity': (true, 1, 100000, 'units'),
        'default_pack_size': (true, 1, 100000, 'units'),
        'lost_sales_window_days': (true, 1, 365, 'days'),
        'abc_xyz_window_weeks': (true, 1, 104, 'weeks'),
        'abc_a_share': (false, 0, 1, 'a share'),
        'abc_b_share': (false, 0, 1, 'a share'),
        'xyz_x_max_cv': (false, 0, 10, 'a coefficient of variation'),
        'xyz_y_max_cv': (false, 0, 10, 'a coefficient of variation'),
        'overstock_days_of_cover': (true, 1, 3650, 'days'),
        'dead_stock_days': (true, 1, 3650, 'days'),
        'localisation_window_days': (true, 1, 365, 'days'),
        'max_plausible_quantity': (true, 1, 1000000000, 'units'),
        'stock_jump_share': (false, 0, 1, 'a share'),
        'stock_jump_min_units': (true, 0, 100000, 'units'),
        'frozen_feed_syncs': (true, 2, 1000, 'snapshots'),
        'source_disagreement_tolerance': (false, 0, 1, 'a share'),
        'source_disagreement_min_units': (true, 0, 100000, 'units'),
    }) }}
{%- endmacro %}

{#- The one line: var `name` must be `must`, got `value` (shown as written: 'abc', [7, 14], 0.5). -#}
{% macro setting_error(name, must, value) -%}
    {{ return("dbt var " ~ name ~ " must be " ~ must ~ ", got " ~ ("%r" | format(value))) }}
{%- endmacro %}

{#- '' when `value` is a valid service_level, else the line saying which are. -#}
{% macro service_level_problem(value) -%}
    {#- the levels of the z table (macros/service_level_z.sql) -#}
    {%- set levels = service_level_z_table() -%}
    {%- if value is number and value is not boolean and value in levels -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(setting_error('service_level', "one of " ~ (levels.keys() | sort | join(", ")), value)) }}
{%- endmacro %}

{#- '' when var `name` alone is valid, else the line saying why; its value from `values` when given. -#}
{% macro setting_problem(name, values=none) -%}
    {%- set value = var(name) if values is none else values[name] -%}
    {%- set ranges = _setting_ranges() -%}
    {%- set is_list = value is sequence and value is not string and value is not mapping -%}
    {%- if name in ranges -%}
        {%- set whole, low, high, unit = ranges[name] -%}
        {%- set typed = (value is integer) if whole else (value is number and value is not boolean) -%}
        {%- if typed and low <= value <= high -%}
            {{ return('') }}
        {%- endif -%}
        {%- set kind = "a whole number of " ~ unit if whole else unit -%}
        {{ return(setting_error(name, kind ~ " from " ~ low ~ " to " ~ high, value)) }}
    {%- elif name == 'service_level' -%}
        {{ return(service_level_problem(value)) }}
    {%- elif name == 'business_timezone' -%}
        {#- quoted into SQL; an IANA name both databases know -#}
        {%- if value is string and value in modules.pytz.all_timezones_set -%}
            {{ return('') }}
        {%- endif -%}
        {{ return(setting_error(name, "an IANA time zone name such as 'Europe/Moscow'", value)) }}
    {%- elif name == 'velocity_windows' -%}
        {#- sales_velocity has columns ads_<N>d etc. of each; int_sales_days holds the longest -#}
        {%- if is_list and value | length > 0 -%}
            {%- set whole = value | select('integer') | select('ge', 1) | select('le', 365) | list -%}
            {%- if whole | length == value | length and whole | unique | list | length == whole | length -%}
                {{ return('') }}
            {%- endif -%}
        {%- endif -%}
        {{ return(setting_error(name,
            "a non-empty list of distinct whole numbers of days from 1 to 365 such as [7, 14, 30, 60]", value)) }}
    {%- elif name == 'warehouses_without_stock_feed' -%}
        {#- warehouse keys (dim_warehouses.warehouse_key), quoted into SQL -#}
        {%- set valid = [] -%}
        {%- for key in (value if is_list else []) -%}
            {%- if key is string and modules.re.fullmatch("(ozon|wildberries):[^']+", key) -%}
                {%- do valid.append(key) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if is_list and valid | length == value | length -%}
            {{ return('') }}
        {%- endif -%}
        {{ return(setting_error(name,
            "a list of warehouse keys <marketplace>:<warehouse name> such as ['wildberries:СКЛАДЫ_ПРОДАВЦА']", value)) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("macros/settings.sql has no rule for var " ~ name) }}
{%- endmacro %}

{#- The first setting that is not valid, as one line, or '': each var alone, then the rules between
    vars. `values` maps each name of setting_names() to its value (by default the vars'). -#}
{% macro settings_problem(values=none) -%}
    {%- set v = {} -%}
    {%- for name in setting_names() -%}
        {%- do v.update({name: var(name) if values is none else values[name]}) -%}
        {%- set problem = setting_problem(name, v) -%}
        {%- if problem -%}
            {{ return(problem) }}
        {%- endif -%}
    {%- endfor -%}

    {%- set windows = v.velocity_windows -%}
    {%- if v.planning_window_days not in windows -%}
        {{ return(setting_error('planning_window_days',
            "one of velocity_windows (" ~ (windows | join(", ")) ~ ")", v.planning_window_days)) }}
    {%- endif -%}
    {%- if v.lost_sales_window_days > windows | max -%}
        {{ return(setting_error('lost_sales_window_days',
            "at most the longest of velocity_windows (" ~ (windows | max) ~ " days, the days int_sales_days holds)",
            v.lost_sales_window_days)) }}
    {%- endif -%}
    {%- if v.critical_days_of_cover >= v.warning_days_of_cover -%}
        {{ return(setting_error('critical_days_of_cover',
            "less than warning_days_of_cover (" ~ v.warning_days_of_cover ~ ")", v.critical_days_of_cover)) }}
    {%- endif -%}
    {%- if v.overstock_days_of_cover <= v.warning_days_of_cover -%}
        {{ return(setting_error('overstock_days_of_cover',
            "more than warning_days_of_cover (" ~ v.warning_days_of_cover ~ ")", v.overstock_days_of_cover)) }}
    {%- endif -%}
    {%- set horizon = v.lead_time_days + v.coverage_days -%}
    {%- if v.overstock_days_of_cover < horizon -%}
        {{ return(setting_error('overstock_days_of_cover',
            "at least lead_time_days + coverage_days (" ~ horizon ~ ", the days of sales the plan orders for)",
            v.overstock_days_of_cover)) }}
    {%- endif -%}
    {%- if (v.abc_a_share + v.abc_b_share) | round(6) > 1 -%}
        {{ return(setting_error('abc_b_share',
            "at most 1 - abc_a_share (" ~ ((1 - v.abc_a_share) | round(6)) ~ ")", v.abc_b_share)) }}
    {%- endif -%}
    {%- if v.xyz_x_max_cv >= v.xyz_y_max_cv -%}
        {{ return(setting_error('xyz_x_max_cv', "less than xyz_y_max_cv (" ~ v.xyz_y_max_cv ~ ")", v.xyz_x_max_cv)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- on-run-start: every setting, or the command stops with the one line. Renders nothing. -#}
{% macro validate_settings() -%}
    {%- set problem = settings_problem() -%}
    {%- if problem -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- endif -%}
{%- endmacro %}

{#- var(name), checked alone first: for a model whose Jinja computes with it at parse time. -#}
{% macro setting(name) -%}
    {%- set problem = setting_problem(name) -%}
    {%- if problem -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- endif -%}
    {{ return(var(name)) }}
{%- endmacro %}
