-- Workflow outcome per catalog entry: a difference-in-differences of person-level KPI means between a
-- frozen cohort of adopters and the rest of the team (metric definition v3 in the YAML). Observational.
-- The verdict reads the confidence interval, never the point estimate alone, and checks first that the
-- estimate can answer the question: enough power for the target (MDE), and parallel pre-trends.
{%- set min_group_size = var('min_group_size') | int %}
{#- z(0.975) + z(0.80): the minimum detectable effect at 5% two-sided and 80% power is this many SEs -#}
{%- set mde_z = 2.8016 %}
{%- set pretrend_min = var('pretrend_min_pct_per_week', 1.0) %}

with

catalog as (

    select * from {{ ref('stg_catalog__workflows') }}

),

items as (

    select * from {{ ref('int_workflow_items') }}

),

cohorts as (

    select * from {{ ref('fct_workflow_cohorts') }}

),

data_end as (

    select workflow, max(item_date) as last_item_date
    from items
    group by workflow

),

-- half-open windows [start, end_excl); the post window is clipped to the last day with data
windows as (

    select
        catalog.*,
        {{ add_days('-1 * catalog.baseline_days', 'catalog.redesigned_on') }} as baseline_start,
        catalog.redesigned_on as baseline_end_excl,
        -- placebo: a fake redesign halfway through the baseline
        {{ add_days('-1 * catalog.baseline_days + cast(floor(catalog.baseline_days / 2.0) as integer)', 'catalog.redesigned_on') }}
            as placebo_t0,
        {{ add_days('catalog.cohort_days', 'catalog.redesigned_on') }} as post_start,
        case
            when data_end.last_item_date is not null
                and {{ add_days('1', 'data_end.last_item_date') }}
                    < {{ add_days('catalog.cohort_days + catalog.post_days', 'catalog.redesigned_on') }}
                then {{ add_days('1', 'data_end.last_item_date') }}
            else {{ add_days('catalog.cohort_days + catalog.post_days', 'catalog.redesigned_on') }}
        end as post_end_excl
    from catalog
    left join data_end on catalog.workflow = data_end.workflow

),

windowed_items as (

    select
        items.workflow,
        items.person_key,
        cohorts.cohort,
        items.kpi_value,
        items.item_date,
        -- week of the item counted from the baseline's first day (0, 1, ...)
        floor(cast({{ dbt.datediff('windows.baseline_start', 'items.item_date', 'day') }} as {{ type_double() }}) / 7)
            as baseline_week,
        case
            when items.item_date >= windows.baseline_start and items.item_date < windows.placebo_t0
                then 'placebo_pre'
            when items.item_date >= windows.placebo_t0 and items.item_date < windows.baseline_end_excl
                then 'placebo_post'
        end as placebo_period,
        case
            when items.item_date >= windows.baseline_start and items.item_date < windows.baseline_end_excl
                then 'baseline'
            when items.item_date >= windows.post_start and items.item_date < windows.post_end_excl
                then 'post'
        end as period
    from items
    inner join windows on items.workflow = windows.workflow
    -- the cohort table holds exactly the population (team members with items)
    inner join cohorts
        on items.workflow = cohorts.workflow
        and items.person_key = cohorts.person_key

),

person_periods as (

    select
        workflow,
        person_key,
        cohort,
        sum(case when period = 'baseline' then 1 else 0 end) as pre_items,
        avg(case when period = 'baseline' then kpi_value end) as pre_mean,
        sum(case when period = 'post' then 1 else 0 end) as post_items,
        avg(case when period = 'post' then kpi_value end) as post_mean
    from windowed_items
    where period is not null
    group by workflow, person_key, cohort

),

persons_used as (

    select
        person_periods.*,
        person_periods.post_mean - person_periods.pre_mean as diff
    from person_periods
    inner join windows on person_periods.workflow = windows.workflow
    where person_periods.pre_items >= windows.min_items
      and person_periods.post_items >= windows.min_items

),

-- the interval an analysis treating every item as independent would report, for comparison: the same
-- difference of differences on item-weighted cell means, se = sqrt(sum of var_cell / n_cell)
item_cells as (

    select
        windowed_items.workflow,
        windowed_items.cohort,
        windowed_items.period,
        count(*) as items_n,
        avg(windowed_items.kpi_value) as cell_mean,
        coalesce(var_samp(windowed_items.kpi_value), 0) as cell_var
    from windowed_items
    inner join persons_used
        on windowed_items.workflow = persons_used.workflow
        and windowed_items.person_key = persons_used.person_key
    where windowed_items.period is not null
    group by windowed_items.workflow, windowed_items.cohort, windowed_items.period

),

item_naive as (

    select
        workflow,
        max(case when cohort = 'adopters' and period = 'post' then cell_mean end)
            - max(case when cohort = 'adopters' and period = 'baseline' then cell_mean end)
            - max(case when cohort = 'control' and period = 'post' then cell_mean end)
            + max(case when cohort = 'control' and period = 'baseline' then cell_mean end) as items_effect_abs,
        sqrt(sum(cell_var / items_n)) as items_effect_se
    from item_cells
    group by workflow

),

-- parallel pre-trends: the weekly adopters-minus-control gap over the baseline (persons used, item means),
-- and the OLS slope of that gap on the week with its standard error
pretrend_weeks as (

    select
        windowed_items.workflow,
        windowed_items.baseline_week,
        avg(case when windowed_items.cohort = 'adopters' then windowed_items.kpi_value end)
            - avg(case when windowed_items.cohort = 'control' then windowed_items.kpi_value end) as gap
    from windowed_items
    inner join persons_used
        on windowed_items.workflow = persons_used.workflow
        and windowed_items.person_key = persons_used.person_key
    where windowed_items.period = 'baseline'
    group by windowed_items.workflow, windowed_items.baseline_week

),

pretrend as (

    select
        workflow,
        regr_count(gap, baseline_week) as pretrend_weeks_n,
        regr_slope(gap, baseline_week) as pretrend_slope,
        regr_sxx(gap, baseline_week) as pretrend_sxx,
        regr_syy(gap, baseline_week) as pretrend_syy
    from pretrend_weeks
    where gap is not null
    group by workflow

),

pretrend_stats as (

    select
        workflow,
        pretrend_weeks_n,
        -- a slope needs three weeks or more (DuckDB gives NaN for a single week)
        case when pretrend_weeks_n > 2 and pretrend_sxx > 0 then pretrend_slope end as pretrend_slope,
        case when pretrend_weeks_n > 2 and pretrend_sxx > 0
            then sqrt(
                greatest(pretrend_syy - pretrend_slope * pretrend_slope * pretrend_sxx, 0)
                / (pretrend_weeks_n - 2) / pretrend_sxx)
        end as pretrend_slope_se
    from pretrend

),

-- placebo: the same person-level estimate with a fake redesign halfway through the baseline
placebo_persons as (

    select
        windowed_items.workflow,
        windowed_items.person_key,
        windowed_items.cohort,
        avg(case when windowed_items.placebo_period = 'placebo_pre' then windowed_items.kpi_value end) as pre_mean,
        avg(case when windowed_items.placebo_period = 'placebo_post' then windowed_items.kpi_value end)
            - avg(case when windowed_items.placebo_period = 'placebo_pre' then windowed_items.kpi_value end) as diff
    from windowed_items
    inner join windows on windowed_items.workflow = windows.workflow
    where windowed_items.placebo_period is not null
    group by windowed_items.workflow, windowed_items.person_key, windowed_items.cohort, windows.min_items
    having sum(case when windowed_items.placebo_period = 'placebo_pre' then 1 else 0 end) >= windows.min_items
       and sum(case when windowed_items.placebo_period = 'placebo_post' then 1 else 0 end) >= windows.min_items

),

placebo as (

    select
        workflow,
        sum(case when cohort = 'adopters' then 1 else 0 end) as placebo_adopters_n,
        sum(case when cohort = 'control' then 1 else 0 end) as placebo_control_n,
        avg(case when cohort = 'adopters' then pre_mean end) as placebo_adopters_pre,
        avg(case when cohort = 'adopters' then diff end) - avg(case when cohort = 'control' then diff end)
            as placebo_effect_abs,
        sqrt(
            var_samp(case when cohort = 'adopters' then diff end)
                / nullif(sum(case when cohort = 'adopters' then 1 else 0 end), 0)
            + var_samp(case when cohort = 'control' then diff end)
                / nullif(sum(case when cohort = 'control' then 1 else 0 end), 0)
        ) as placebo_effect_se
    from placebo_persons
    group by workflow

),

group_stats as (

    select
        workflow,
        sum(case when cohort = 'adopters' then 1 else 0 end) as adopters_n,
        sum(case when cohort = 'control' then 1 else 0 end) as control_n,
        avg(case when cohort = 'adopters' then pre_mean end) as adopters_pre,
        avg(case when cohort = 'adopters' then post_mean end) as adopters_post,
        avg(case when cohort = 'adopters' then diff end) as adopters_diff,
        var_samp(case when cohort = 'adopters' then diff end) as adopters_diff_var,
        avg(case when cohort = 'control' then pre_mean end) as control_pre,
        avg(case when cohort = 'control' then post_mean end) as control_post,
        avg(case when cohort = 'control' then diff end) as control_diff,
        var_samp(case when cohort = 'control' then diff end) as control_diff_var
    from persons_used
    group by workflow

),

-- what a dashboard shows: every population item, weighted by item, after vs before
naive as (

    select
        workflow,
        count(distinct person_key) as population_n,
        avg(case when period = 'baseline' then kpi_value end) as naive_pre,
        avg(case when period = 'post' then kpi_value end) as naive_post
    from windowed_items
    where period is not null
    group by workflow

),

estimates as (

    select
        windows.*,
        cast(coalesce(group_stats.adopters_n, 0) as {{ dbt.type_bigint() }}) as adopters_n,
        cast(coalesce(group_stats.control_n, 0) as {{ dbt.type_bigint() }}) as control_n,
        cast(coalesce(naive.population_n, 0) as {{ dbt.type_bigint() }}) as population_n,
        group_stats.adopters_pre,
        group_stats.adopters_post,
        group_stats.control_pre,
        group_stats.control_post,
        100 * group_stats.adopters_diff / nullif(group_stats.adopters_pre, 0) as adopters_change_pct,
        100 * group_stats.control_diff / nullif(group_stats.control_pre, 0) as control_change_pct,
        group_stats.adopters_diff - group_stats.control_diff as effect_abs,
        sqrt(
            group_stats.adopters_diff_var / nullif(group_stats.adopters_n, 0)
            + group_stats.control_diff_var / nullif(group_stats.control_n, 0)
        ) as effect_se,
        naive.naive_pre,
        naive.naive_post,
        item_naive.items_effect_abs,
        item_naive.items_effect_se,
        pretrend_stats.pretrend_weeks_n,
        pretrend_stats.pretrend_slope,
        pretrend_stats.pretrend_slope_se,
        placebo.placebo_adopters_n,
        placebo.placebo_control_n,
        placebo.placebo_adopters_pre,
        placebo.placebo_effect_abs,
        placebo.placebo_effect_se
    from windows
    left join group_stats on windows.workflow = group_stats.workflow
    left join naive on windows.workflow = naive.workflow
    left join item_naive on windows.workflow = item_naive.workflow
    left join pretrend_stats on windows.workflow = pretrend_stats.workflow
    left join placebo on windows.workflow = placebo.workflow

),

final as (

    select
        workflow,
        workflow_name,
        team,
        kpi,
        direction,
        redesigned_on,
        baseline_start,
        {{ add_days('-1', 'baseline_end_excl') }} as baseline_end,
        post_start,
        {{ add_days('-1', 'post_end_excl') }} as post_end,
        adopters_n,
        control_n,
        population_n,
        -- group-level figures only for groups of at least min_group_size people
        case when adopters_n >= {{ min_group_size }} then {{ round_pct('adopters_pre') }} end as adopters_baseline,
        case when adopters_n >= {{ min_group_size }} then {{ round_pct('adopters_post') }} end as adopters_post,
        case when control_n >= {{ min_group_size }} then {{ round_pct('control_pre') }} end as control_baseline,
        case when control_n >= {{ min_group_size }} then {{ round_pct('control_post') }} end as control_post,
        case when adopters_n >= {{ min_group_size }} then {{ round_pct('adopters_change_pct') }} end
            as adopters_change_pct,
        case when control_n >= {{ min_group_size }} then {{ round_pct('control_change_pct') }} end
            as control_change_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * effect_abs / nullif(adopters_pre, 0)') }} end as effect_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (effect_abs - 1.96 * effect_se) / nullif(adopters_pre, 0)') }} end as ci_low_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (effect_abs + 1.96 * effect_se) / nullif(adopters_pre, 0)') }} end as ci_high_pct,
        case when population_n >= {{ min_group_size }}
            then {{ round_pct('100 * (naive_post - naive_pre) / nullif(naive_pre, 0)') }} end as naive_change_pct,
        target_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then 'ok' else 'insufficient_data' end as status,
        -- what an item-level analysis (items independent) would report, beside the person-clustered interval
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (items_effect_abs - 1.96 * items_effect_se) / nullif(adopters_pre, 0)') }} end
            as items_naive_ci_low_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (items_effect_abs + 1.96 * items_effect_se) / nullif(adopters_pre, 0)') }} end
            as items_naive_ci_high_pct,
        -- minimum detectable effect (5% two-sided, 80% power) at this n, in percent of the adopters' baseline
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * ' ~ mde_z ~ ' * effect_se / nullif(abs(adopters_pre), 0)') }} end as mde_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then cast(pretrend_weeks_n as {{ dbt.type_bigint() }}) end as pretrend_weeks_n,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * pretrend_slope / nullif(adopters_pre, 0)', 3) }} end as pretrend_slope_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (pretrend_slope - 1.96 * pretrend_slope_se) / nullif(adopters_pre, 0)', 3) }}
        end as pretrend_ci_low_pct,
        case when adopters_n >= {{ min_group_size }} and control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (pretrend_slope + 1.96 * pretrend_slope_se) / nullif(adopters_pre, 0)', 3) }}
        end as pretrend_ci_high_pct,
        case when placebo_adopters_n >= {{ min_group_size }} and placebo_control_n >= {{ min_group_size }}
            then {{ round_pct('100 * placebo_effect_abs / nullif(placebo_adopters_pre, 0)') }} end
            as placebo_effect_pct,
        case when placebo_adopters_n >= {{ min_group_size }} and placebo_control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (placebo_effect_abs - 1.96 * placebo_effect_se) / nullif(placebo_adopters_pre, 0)') }}
        end as placebo_ci_low_pct,
        case when placebo_adopters_n >= {{ min_group_size }} and placebo_control_n >= {{ min_group_size }}
            then {{ round_pct('100 * (placebo_effect_abs + 1.96 * placebo_effect_se) / nullif(placebo_adopters_pre, 0)') }}
        end as placebo_ci_high_pct,
        case when population_n >= {{ min_group_size }}
            then {{ round_pct('cast(adopters_n as ' ~ type_double() ~ ') / nullif(adopters_n + control_n, 0)', 4) }}
        end as adopters_share,
        cast('did_person_means_normal95' as {{ dbt.type_string() }}) as method,
        cast('observational' as {{ dbt.type_string() }}) as evidence,
        3 as metric_version
    from estimates

),

checked as (

    select
        *,
        target_pct is not null and mde_pct is not null and abs(target_pct) < mde_pct as target_below_mde,
        -- diverging pre-trends: a slope whose CI excludes 0 and that is large enough to matter
        coalesce(
            (pretrend_ci_low_pct > 0 or pretrend_ci_high_pct < 0)
            and abs(pretrend_slope_pct) >= {{ pretrend_min }}, false) as pretrend_diverges,
        coalesce(placebo_ci_low_pct > 0 or placebo_ci_high_pct < 0, false) as placebo_significant
    from final

)

select
    *,
    case
        when effect_pct is null or ci_low_pct is null or ci_high_pct is null then 'insufficient_data'
        when target_below_mde then 'insufficient_data'
        when pretrend_diverges then 'inconclusive_pretrend'
        when ci_low_pct <= 0 and ci_high_pct >= 0 then 'no_change'
        when (direction = 'lower' and ci_high_pct < 0) or (direction = 'higher' and ci_low_pct > 0) then 'improved'
        else 'worse'
    end as verdict,
    cast(case
        when effect_pct is null or ci_low_pct is null or ci_high_pct is null then 'fewer than {{ min_group_size }} adopters or control persons with items in both windows'
        when target_below_mde then 'the target (' || cast(cast(target_pct as numeric(14, 2)) as {{ dbt.type_string() }})
            || '%) is below the minimum detectable effect (' || cast(cast(mde_pct as numeric(14, 2)) as {{ dbt.type_string() }})
            || '%) at this n: wait for more data or widen the cohort'
        when pretrend_diverges then 'adopters and control diverged before the redesign (baseline slope '
            || cast(cast(pretrend_slope_pct as numeric(14, 3)) as {{ dbt.type_string() }}) || '% a week, 95% CI '
            || cast(cast(pretrend_ci_low_pct as numeric(14, 3)) as {{ dbt.type_string() }}) || ' .. '
            || cast(cast(pretrend_ci_high_pct as numeric(14, 3)) as {{ dbt.type_string() }}) || ')'
    end as {{ dbt.type_string() }}) as verdict_reason,
    case
        when effect_pct is null or target_pct is null then null
        when direction = 'higher' then effect_pct >= target_pct
        else effect_pct <= target_pct
    end as meets_target,
    -- share of the target reached by the point estimate (100 = on target; negative = moved the wrong way)
    case
        when effect_pct is null or target_pct is null or target_pct = 0 then null
        else {{ round_pct('100 * effect_pct / target_pct', 1) }}
    end as target_progress_pct
from checked
