"""Typeform's documented Responses example and the interview CSV template, landed and staged
(provenance: typeform/PROVENANCE.md, docs/templates/interviews.csv).

Expected values are read off the payload and the template by hand.
"""

from __future__ import annotations

from datetime import date, datetime

from tests.contracts.conftest import rows
from tests.contracts.landing import TYPEFORM_FORM


def outcome(landing, key: str):
    landed = landing[2]
    return landed.results.get(key, []), landed.errors.get(key, [])


def test_typeform_documented_responses_land_whole_and_unchanged(contract_landing):
    results, errors = outcome(contract_landing, "typeform/responses")
    assert errors == [] and [r.records for r in results] == [4]
    # four items and fewer than page_size: one request, no `before` token
    assert results[0].pages == 1
    # the cursor is the newest submitted_at of the form (the zero time of the unsubmitted item is older)
    assert results[0].cursor_after == {TYPEFORM_FORM: "2017-09-14T22:38:22Z"}
    _, zone, _ = contract_landing
    (manifest,) = zone.manifests("typeform", "responses")
    landed = zone.read_batch(manifest)
    assert [r["token"] for r in landed] == ["test21085286190ffad1248d17c4135ee56f",
                                            "test610fc266478b41e4927945e20fe54ad2",
                                            "test9ba5db11ec6c63d22f08aade805bd363",
                                            "test5fcb3f9c162e1fcdaadff4405b741080"]
    # vendor fields unchanged; the connector adds only the form the items came from
    assert landed[0]["variables"] == [{"key": "score", "number": 2, "type": "number"},
                                      {"key": "name", "text": "typeform", "type": "text"}]
    assert {r["form_id"] for r in landed} == {TYPEFORM_FORM}
    assert len(landed[1]["answers"]) == 17 and landed[1]["answers"][1]["type"] == "file_url"


def test_typeform_documented_responses_stage_without_audit_answers(contract_landing, contract_warehouse):
    got = rows(contract_warehouse, """
        select response_token, response_id, form_id, respondent_email, tool_label, frequency_label, tasks_json,
               answers_n, landed_at, submitted_at
        from staging.stg_typeform__responses order by landed_at desc""")
    # no hidden fields and none of the audit's field refs: the responses stage, naming no one and no tool
    assert got == [
        ("test5fcb3f9c162e1fcdaadff4405b741080", None, TYPEFORM_FORM, None, None, None, None, 0,
         datetime(2017, 9, 15, 9, 9, 30), None),
        ("test21085286190ffad1248d17c4135ee56f", "21085286190ffad1248d17c4135ee56f", TYPEFORM_FORM, None, None,
         None, None, 15, datetime(2017, 9, 14, 22, 33, 59), datetime(2017, 9, 14, 22, 38, 22)),
        ("test610fc266478b41e4927945e20fe54ad2", None, TYPEFORM_FORM, None, None, None, None, 17,
         datetime(2017, 9, 14, 22, 27, 38), datetime(2017, 9, 14, 22, 33, 56)),
        ("test9ba5db11ec6c63d22f08aade805bd363", None, TYPEFORM_FORM, None, None, None, None, 11,
         datetime(2017, 9, 14, 22, 24, 49), datetime(2017, 9, 14, 22, 27, 34)),
    ]
    assert rows(contract_warehouse, "select count(*) from staging.stg_typeform__response_tasks") == [(0,)]


def test_interview_template_lands_and_stages(contract_landing, contract_warehouse):
    results, errors = outcome(contract_landing, "interviews/answers")
    assert errors == [] and [r.records for r in results] == [2]
    got = rows(contract_warehouse, """
        select respondent_email, tool, frequency, worked, did_not_work, back_to_manual, interviewer, interviewed_on
        from staging.stg_interviews__answers order by respondent_email""")
    assert got == [
        ("ana.lopez@example.com", "m365_copilot", "few_times_a_week",
         "The first draft of the monthly report in minutes", "Numbers in tables were wrong twice", "Reconciliation",
         "rollout lead", date(2026, 6, 8)),
        ("sam.okafor@example.com", "github_copilot", "daily", "Boilerplate and tests", "Large refactors across files",
         None, "rollout lead", date(2026, 6, 8)),
    ]
    tasks = rows(contract_warehouse, """
        select answers.respondent_email, tasks.task_kind, tasks.task
        from staging.stg_interviews__answer_tasks as tasks
        join staging.stg_interviews__answers as answers using (interview_key)
        order by 1, 2, 3""")
    assert tasks == [
        ("ana.lopez@example.com", "back_to_manual", "Reconciliation"),
        ("ana.lopez@example.com", "used_for", "Email drafting"),
        ("ana.lopez@example.com", "used_for", "First-draft report"),
        ("sam.okafor@example.com", "used_for", "Code review"),
        ("sam.okafor@example.com", "used_for", "Writing code"),
    ]
