-- Every usage-audit answer, from the Typeform survey and from interviews typed up by hand, one row per
-- answer (a person about one tool), with the person it links to through the identity map (its email) and
-- "last week": the ISO week (Monday to Sunday) before the day of the answer.
-- Reported frequency, in days a week (definition v1): daily 5, few_times_a_week 2.5, weekly 1,
-- less_than_weekly 0.25, never 0; its rank (3, 2, 1, 0, 0) is the bucket telemetry is compared with.
with

choices as (

    select question, lower(trim(label)) as label, value
    from {{ ref('audit_survey_choices') }}

),

survey as (

    select
        {{ dbt.concat(["'typeform:'", 'responses.response_token']) }} as answer_key,
        'typeform' as channel,
        responses.respondent_email,
        coalesce(tools.value, lower(responses.tool_label)) as tool,
        coalesce(frequencies.value, lower(responses.frequency_label)) as frequency,
        responses.worked,
        responses.did_not_work,
        cast(responses.submitted_at as date) as answered_on
    from {{ ref('stg_typeform__responses') }} as responses
    left join choices as tools
        on tools.question = 'tool' and tools.label = lower(responses.tool_label)
    left join choices as frequencies
        on frequencies.question = 'frequency' and frequencies.label = lower(responses.frequency_label)
    where responses.submitted_at is not null

),

interviews as (

    select
        {{ dbt.concat(["'interviews:'", 'interview_key']) }} as answer_key,
        'interviews' as channel,
        respondent_email,
        tool,
        frequency,
        worked,
        did_not_work,
        interviewed_on as answered_on
    from {{ ref('stg_interviews__answers') }}

),

answers as (

    select * from survey
    union all
    select * from interviews

),

identities as (

    select source, source_user_id, person_key
    from {{ ref('int_identity_map') }}
    where source in ('typeform', 'interviews')

),

people as (

    select user_id as person_key, department, team
    from {{ ref('stg_msgraph__users') }}

)

select
    ----------  ids
    answers.answer_key,
    identities.person_key,

    ----------  strings
    answers.channel,
    answers.respondent_email,
    people.department,
    people.team,
    answers.tool,
    answers.frequency,
    answers.worked,
    answers.did_not_work,

    ----------  numerics
    case answers.frequency
        when 'daily' then 5.0 when 'few_times_a_week' then 2.5 when 'weekly' then 1.0
        when 'less_than_weekly' then 0.25 when 'never' then 0.0
    end as reported_days_per_week,
    case answers.frequency
        when 'daily' then 3 when 'few_times_a_week' then 2 when 'weekly' then 1
        when 'less_than_weekly' then 0 when 'never' then 0
    end as reported_frequency_rank,

    ----------  dates
    answers.answered_on,
    cast({{ add_days('-7', dbt.date_trunc('week', 'answers.answered_on')) }} as date) as survey_week_start

from answers
left join identities
    on identities.source = answers.channel and identities.source_user_id = answers.respondent_email
left join people on people.person_key = identities.person_key
