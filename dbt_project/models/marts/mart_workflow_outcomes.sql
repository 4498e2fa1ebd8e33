-- Workflow outcome per catalog entry: a difference-in-differences of person-level KPI means between a
-- frozen cohort of adopters and the rest of the team (metric definition v2 in the YAML). Observational.
-- The verdict reads the confidence interval, never the point estimate alone.
{%- set min_group_size = var('min_group_size') | int %}

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
        naive.naive_post
    from windows
    left join group_stats on windows.workflow = group_stats.workflow
    left join naive on windows.workflow = naive.workflow

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
        case when population_n >= {{ min_group_size }}
            then {{ round_pct('cast(adopters_n as ' ~ type_double() ~ ') / nullif(adopters_n + control_n, 0)', 4) }}
        end as adopters_share,
        cast('did_person_means_normal95' as {{ dbt.type_string() }}) as method,
        cast('observational' as {{ dbt.type_string() }}) as evidence,
        2 as metric_version
    from estimates

)

select
    *,
    case
        when effect_pct is null or ci_low_pct is null or ci_high_pct is null then 'insufficient_data'
        when ci_low_pct <= 0 and ci_high_pct >= 0 then 'no_change'
        when (direction = 'lower' and ci_high_pct < 0) or (direction = 'higher' and ci_low_pct > 0) then 'improved'
        else 'worse'
    end as verdict,
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
from final
