-- ABC and XYZ classes of every active product over the window var abc_xyz_window_weeks (whole
-- weeks before the as_of_date of the account's orders feed that served each order line,
-- int_orders_as_of_dates: a feed left out since its last read counts the weeks before that read,
-- not weeks without its sales after it), but for the products of an account with an orders feed
-- never read whole (their demand is unknown, not zero), ranked at three scopes: within its account
-- (scope account), within its marketplace (scope marketplace, the accounts pooled) and across every
-- marketplace and account (scope all). Doc abc_xyz:
--   ABC: products by revenue, largest first; cumulative share before the product < var abc_a_share
--        → A, < var abc_a_share + var abc_b_share → B, else C (the product that crosses a line
--        belongs to the class it completes; no revenue → C). A product whose revenue is unknown (a
--        counted line without an amount: no price, or one in another currency) has revenue null
--        and no class, and is left out of the ranking and of the scope's revenue the others'
--        shares divide (their classes are those they would have without it), not 0, class C
--   XYZ: CV = σ / μ of the weekly units over the window's weeks the data covers (W: from the
--        account's first order, or the product's creation in the catalogue if later; weeks without
--        sales count as 0); CV ≤ var xyz_x_max_cv → X, ≤ var xyz_y_max_cv → Y, else Z; no units → no class;
--        W < 2 (the account's orders or the product starting in the window's newest week) → no CV
--        and no class: σ of a single week is 0 whatever the demand, which reads as X
{%- set weeks = setting('abc_xyz_window_weeks') %}
{#- the fewest weeks a CV of weekly units measures anything over -#}
{%- set xyz_min_weeks = 2 %}
with feed_as_of as (
    select * from {{ ref('int_orders_as_of_dates') }}
),

-- the account's windows end before the newest of its feeds' as_of_dates; an account with an orders
-- feed never read whole (as_of_date null) is left out: any of its products may sell through that
-- feed, so their revenue and units are unknown, not those of the feeds read (nor 0, class C)
as_of as (
    select
        marketplace,
        account,
        max(as_of_date) as as_of_date
    from feed_as_of
    group by marketplace, account
    having count(*) = count(as_of_date)
),

weekly as (
    select
        orders.product_key,
        floor((feed_as_of.as_of_date - orders.business_date - 1) / 7) as week_index,
        sum(orders.quantity) as units,
        sum(orders.amount_rub) as revenue,
        -- lines whose amount is unknown: the sum of the others' would understate the revenue
        count(*) - count(orders.amount_rub) as lines_without_amount
    from {{ ref('fact_orders') }} as orders
    left join {{ ref('dim_warehouses') }} as warehouse_dim
        on orders.warehouse_key = warehouse_dim.warehouse_key
    -- each line in the weeks its feed's orders are loaded
    inner join feed_as_of
        on {{ served_by_orders_feed('orders', 'warehouse_dim', 'feed_as_of') }}
    where
        orders.order_status <> 'cancelled'
        and orders.business_date < feed_as_of.as_of_date
        and orders.business_date >= feed_as_of.as_of_date - {{ weeks * 7 }}
    group by orders.product_key, floor((feed_as_of.as_of_date - orders.business_date - 1) / 7)
),

account_first_days as (
    select
        marketplace,
        account,
        min(business_date) as first_order_date
    from {{ ref('fact_orders') }}
    group by marketplace, account
),

product_totals as (
    select
        products.product_key,
        products.marketplace,
        products.account,
        -- the window's weeks the data covers: before the account's first order, or the product's
        -- creation, a week without sales is no week of zero sales (at least one week: a product
        -- created in the newest week, or after the data's newest day)
        coalesce(
            greatest(1, least(
                {{ weeks }},
                floor((
                    as_of.as_of_date
                    - greatest(first_days.first_order_date, {{ to_business_date('products.created_at') }})
                    - 1
                ) / 7) + 1
            )),
            {{ weeks }}
        ) as window_weeks,
        -- unknown (null) if any of the window's counted lines has no amount, not the sum of the
        -- others'; 0 for a product without counted lines (zero demand, known)
        case
            when coalesce(sum(weekly.lines_without_amount), 0) = 0 then coalesce(sum(weekly.revenue), 0)
        end as revenue,
        coalesce(sum(weekly.units), 0) as units,
        coalesce(sum(weekly.units * weekly.units), 0) as units_squared
    from {{ ref('dim_products') }} as products
    inner join as_of
        on
            products.marketplace = as_of.marketplace
            and products.account = as_of.account
    left join account_first_days as first_days
        on
            products.marketplace = first_days.marketplace
            and products.account = first_days.account
    left join weekly
        on products.product_key = weekly.product_key
    where not products.is_archived
    group by
        products.product_key,
        products.marketplace,
        products.account,
        as_of.as_of_date,
        first_days.first_order_date,
        products.created_at
),

variation as (
    select
        *,
        cast(units / cast(window_weeks as decimal(18, 6)) as decimal(18, 6)) as mean_weekly_units,
        -- population σ over the weeks counted, the weeks without sales as zeros
        cast(
            sqrt(greatest(
                units_squared / cast(window_weeks as decimal(18, 6))
                - (units / cast(window_weeks as decimal(18, 6))) * (units / cast(window_weeks as decimal(18, 6))),
                0
            ))
            as decimal(18, 6)
        ) as weekly_units_stddev,
        -- σ / μ = √(W × Σ units² / (Σ units)² − 1), exact before rounding; none over a single week
        cast(
            case
                when units > 0 and window_weeks >= {{ xyz_min_weeks }}
                    then sqrt(greatest(window_weeks * cast(units_squared as decimal(18, 6)) / (units * units) - 1, 0))
            end
            as decimal(18, 6)
        ) as weekly_units_cv
    from product_totals
),

scoped as (
    {%- for scope, partition in [('account', 'marketplace, account'), ('marketplace', 'marketplace'), ('all', none)] %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            *,
            '{{ scope }}' as scope_level,
            {%- if scope == 'account' %}
                marketplace || ':' || account as scope_key,
            {%- elif scope == 'marketplace' %}
                marketplace as scope_key,
            {%- else %}
                'all' as scope_key,
            {%- endif %}
            -- a product of unknown revenue (null) adds nothing to the scope's revenue nor to the
            -- revenue ranked before another; nulls last: PostgreSQL sorts them first when descending
            sum(revenue) over ({% if partition %}partition by {{ partition }}{% endif %}) as scope_revenue,
            sum(revenue) over (
                {% if partition %}partition by {{ partition }} {% endif -%}
                order by revenue desc nulls last, product_key asc
                rows between unbounded preceding and 1 preceding
            ) as revenue_before
        from variation
    {%- endfor %}
),

shares as (
    select
        *,
        cast(revenue / nullif(scope_revenue, 0) as decimal(18, 6)) as revenue_share,
        -- no rank, no share before it for a product of unknown revenue (the cast outside the case:
        -- PostgreSQL's case would drop the decimal's scale)
        cast(
            case when revenue is not null then coalesce(revenue_before, 0) / nullif(scope_revenue, 0) end
            as decimal(18, 6)
        ) as cumulative_share_before
    from scoped
)

select
    product_key,
    scope_level,
    scope_key,
    marketplace,
    account,
    revenue,
    units,
    revenue_share,
    cumulative_share_before,
    case
        when revenue is null then null
        when revenue <= 0 then 'C'
        when cumulative_share_before < {{ var('abc_a_share') }} then 'A'
        when cumulative_share_before < {{ (setting('abc_a_share') + setting('abc_b_share')) | round(6) }} then 'B'
        else 'C'
    end as abc_class,
    window_weeks,
    mean_weekly_units,
    weekly_units_stddev,
    weekly_units_cv,
    case
        when weekly_units_cv <= {{ var('xyz_x_max_cv') }} then 'X'
        when weekly_units_cv <= {{ var('xyz_y_max_cv') }} then 'Y'
        when weekly_units_cv is not null then 'Z'
    end as xyz_class
from shares
