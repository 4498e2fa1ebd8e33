-- Event study per workflow: for each week relative to the redesign, the adopters-minus-control
-- difference of person means, less the groups' average baseline difference, with a 95% CI. Shows when
-- the change happened and whether it lasts (definition v1 in the YAML). Observational.
{%- set min_group_size = var('min_group_size') | int %}

with

windows as (

    select
        workflow,
        redesigned_on,
        {{ add_days('-1 * baseline_days', 'redesigned_on') }} as baseline_start,
        {{ add_days('cohort_days + post_days', 'redesigned_on') }} as post_end_excl
    from {{ ref('stg_catalog__workflows') }}

),

items as (

    select
        items.workflow,
        items.person_key,
        cohorts.cohort,
        items.kpi_value,
        -- whole weeks from T0: -1 is the last baseline week, 0 the first week of the cohort window
        cast(floor(cast({{ dbt.datediff('windows.redesigned_on', 'items.item_date', 'day') }} as {{ type_double() }}) / 7)
            as integer) as week_rel
    from {{ ref('int_workflow_items') }} as items
    inner join windows on items.workflow = windows.workflow
    inner join {{ ref('fct_workflow_cohorts') }} as cohorts
        on items.workflow = cohorts.workflow
        and items.person_key = cohorts.person_key
    where items.item_date >= windows.baseline_start
      and items.item_date < windows.post_end_excl

),

-- one value per person and week: a person's items are not independent
person_weeks as (

    select workflow, person_key, cohort, week_rel, avg(kpi_value) as person_mean
    from items
    group by workflow, person_key, cohort, week_rel

),

group_weeks as (

    select
        workflow,
        week_rel,
        sum(case when cohort = 'adopters' then 1 else 0 end) as adopters_n,
        sum(case when cohort = 'control' then 1 else 0 end) as control_n,
        avg(case when cohort = 'adopters' then person_mean end) as adopters_mean,
        avg(case when cohort = 'control' then person_mean end) as control_mean,
        coalesce(var_samp(case when cohort = 'adopters' then person_mean end), 0) as adopters_var,
        coalesce(var_samp(case when cohort = 'control' then person_mean end), 0) as control_var
    from person_weeks
    group by workflow, week_rel

),

-- the reference: the groups' average difference and the adopters' level over the baseline weeks in which
-- both groups are large enough
reference as (

    select
        workflow,
        avg(adopters_mean - control_mean) as baseline_gap,
        avg(adopters_mean) as adopters_baseline
    from group_weeks
    where week_rel < 0
      and adopters_n >= {{ min_group_size }}
      and control_n >= {{ min_group_size }}
    group by workflow

),

estimates as (

    select
        group_weeks.*,
        reference.adopters_baseline,
        group_weeks.adopters_mean - group_weeks.control_mean - reference.baseline_gap as effect_abs,
        sqrt(group_weeks.adopters_var / group_weeks.adopters_n + group_weeks.control_var / group_weeks.control_n)
            as effect_se,
        group_weeks.adopters_n >= {{ min_group_size }} and group_weeks.control_n >= {{ min_group_size }}
            and reference.adopters_baseline is not null as visible
    from group_weeks
    left join reference on group_weeks.workflow = reference.workflow

)

select
    estimates.workflow,
    estimates.week_rel,
    {{ add_days('7 * estimates.week_rel', 'windows.redesigned_on') }} as week_start,
    case
        when estimates.week_rel < 0 then 'baseline'
        when estimates.week_rel * 7 < catalog.cohort_days then 'cohort'
        else 'post'
    end as period,
    not estimates.visible as suppressed,
    case when estimates.visible then cast(estimates.adopters_n as {{ dbt.type_bigint() }}) end as adopters_n,
    case when estimates.visible then cast(estimates.control_n as {{ dbt.type_bigint() }}) end as control_n,
    case when estimates.visible
        then {{ round_pct('100 * estimates.effect_abs / nullif(estimates.adopters_baseline, 0)') }} end as effect_pct,
    case when estimates.visible
        then {{ round_pct('100 * (estimates.effect_abs - 1.96 * estimates.effect_se) / nullif(estimates.adopters_baseline, 0)') }}
    end as ci_low_pct,
    case when estimates.visible
        then {{ round_pct('100 * (estimates.effect_abs + 1.96 * estimates.effect_se) / nullif(estimates.adopters_baseline, 0)') }}
    end as ci_high_pct,
    1 as metric_version
from estimates
inner join windows on estimates.workflow = windows.workflow
inner join {{ ref('stg_catalog__workflows') }} as catalog on estimates.workflow = catalog.workflow
