"""The interview CSV drop: the sandbox's file lands once, an edited file lands again, a malformed file is
refused whole with every problem named, and nothing is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors import interviews
from connectors.config import ConnectionConfig
from connectors.interviews import COLUMNS, InterviewFileError
from connectors.landing import LandingZone
from connectors.runner import land_stream
from connectors.state import StateStore
from sandbox.records.typeform import survey_data

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "templates" / "interviews.csv"


def _store(tmp_path):
    return LandingZone(str(tmp_path / "landing")), StateStore(str(tmp_path / "state"))


def _drop(tmp_path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def _land(folder: Path, zone, state):
    client = interviews.make_client(ConnectionConfig("outcomes_interviews", str(folder)))
    return land_stream(interviews.ANSWERS, client, zone, state)


def test_the_sandbox_drop_lands_every_interview_once(connections, company, tmp_path):
    zone, state = _store(tmp_path)
    client = interviews.make_client(connections["interviews"])
    first = land_stream(interviews.ANSWERS, client, zone, state)
    expected = survey_data(company).interviews
    assert len(expected) == 6
    assert zone.read_batch(first.manifest) == expected  # the cells as written, header as keys
    again = land_stream(interviews.ANSWERS, client, zone, state)
    assert again.records == 0  # the same file (name and content) is not landed twice


def test_an_edited_file_lands_again_and_a_new_file_alone(tmp_path):
    folder = _drop(tmp_path)
    zone, state = _store(tmp_path)
    shutil.copy(TEMPLATE, folder / "week1.csv")
    assert _land(folder, zone, state).records == 2
    text = TEMPLATE.read_text().replace("few_times_a_week", "weekly")
    (folder / "week1.csv").write_text(text)
    (folder / "week2.csv").write_text(",".join(COLUMNS) + "\n2026-06-15,li.wu@example.com,openai,never,,,,,\n")
    result = _land(folder, zone, state)
    landed = zone.read_batch(result.manifest)
    assert result.records == 3
    assert {r["email"]: r["frequency"] for r in landed} == {
        "ana.lopez@example.com": "weekly", "sam.okafor@example.com": "daily", "li.wu@example.com": "never"}


def test_a_malformed_file_is_refused_whole_naming_rows_and_nothing_is_lost(tmp_path):
    folder = _drop(tmp_path)
    zone, state = _store(tmp_path)
    shutil.copy(TEMPLATE, folder / "good.csv")
    bad = ",".join(COLUMNS) + "\n" + "\n".join([
        "2026-06-09,jo.bloggs@example.com,m365_copilot,sometimes,,,,,",
        "09/06/2026,not-an-email,chatgpt,daily,,,,,",
        "2026-06-09,jo.bloggs@example.com,m365_copilot,daily,,,,,,extra",
    ]) + "\n"
    (folder / "bad.csv").write_text(bad)
    with pytest.raises(InterviewFileError) as err:
        _land(folder, zone, state)
    message = str(err.value)
    assert "bad.csv: 5 problem(s)" in message
    assert "row 2: frequency 'sometimes' is not one of daily" in message
    assert "row 3: interviewed_on '09/06/2026' is not a date (YYYY-MM-DD)" in message
    assert "row 3: email 'not-an-email' is not an email address" in message
    assert "row 3: tool 'chatgpt' is not one of" in message
    assert "row 4: 1 cell(s) more than the header's 9" in message
    assert "good.csv" not in message
    # nothing landed (not even the good file), the cursor did not move, both files are still there
    assert zone.manifests("interviews", "answers") == [] and state.get("interviews", "answers") is None
    assert (folder / "bad.csv").read_text() == bad and (folder / "good.csv").exists()
    (folder / "bad.csv").unlink()
    assert _land(folder, zone, state).records == 2


@pytest.mark.parametrize(("content", "expected"), [
    ("", "the file is empty"),
    ("email,tool,frequency\nx@example.com,openai,daily\n", "missing interviewed_on, tasks, worked"),
    (",".join(COLUMNS) + ",team\n", "unknown team"),
    (",".join(COLUMNS) + "\n", "no interview row follows"),
])
def test_a_file_not_following_the_template_is_refused(tmp_path, content, expected):
    folder = _drop(tmp_path)
    zone, state = _store(tmp_path)
    (folder / "interviews.csv").write_text(content)
    with pytest.raises(InterviewFileError, match=expected):
        _land(folder, zone, state)
    assert zone.manifests("interviews", "answers") == []


def test_a_missing_drop_folder_is_named(tmp_path):
    zone, state = _store(tmp_path)
    with pytest.raises(Exception, match="drop folder .*nowhere does not exist"):
        _land(tmp_path / "nowhere", zone, state)


def test_an_empty_drop_folder_lands_an_empty_batch(tmp_path):
    zone, state = _store(tmp_path)
    result = _land(_drop(tmp_path), zone, state)
    assert result.records == 0 and len(zone.manifests("interviews", "answers")) == 1
    assert state.get("interviews", "answers") is None  # nothing landed, nothing to remember
