"""Usage-audit interviews typed up by hand: CSV files dropped in a folder (the template: docs/templates/interviews.csv,
columns in docs/usage_audit.md). The same questions as the Typeform survey, for people interviewed in person.

Connection: host = the drop folder (a local path or any fsspec URL, e.g. s3://bucket/interviews). Every
`*.csv` there not landed before (by name and content hash) is checked whole, then its rows land as one
batch of the stream `answers`, one record per row, the row's cells unchanged (keys = the header). A file
edited and dropped again lands again; staging keeps the latest version of each (email, interviewed_on, tool).

A malformed file (a missing or unknown column, a bad date, email, tool or frequency, an empty file, a
duplicate interview) stops the run with every problem by file, row and column: nothing of that run lands,
the cursor does not move and the files stay where they are. Fix the file and run again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import date

import fsspec

from connectors import AI_TOOLS
from connectors.config import ConnectionConfig
from connectors.errors import ConnectorError
from connectors.http import VendorHttpClient
from connectors.streams import ExtractContext, Page, Stream

SOURCE = "interviews"

COLUMNS = ("interviewed_on", "email", "tool", "frequency", "tasks", "worked", "did_not_work", "back_to_manual",
           "interviewer")
REQUIRED = ("interviewed_on", "email", "tool", "frequency")
TOOLS = AI_TOOLS
# "how often did you use it last week", the survey's answer choices
FREQUENCIES = ("daily", "few_times_a_week", "weekly", "less_than_weekly", "never")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PROBLEMS_SHOWN = 20


class InterviewFileError(ConnectorError):
    """A dropped CSV that does not follow the template: nothing landed, the file stays where it is."""


def make_client(conn: ConnectionConfig, **overrides) -> VendorHttpClient:
    if not conn.host:
        raise ConnectorError("connection 'outcomes_interviews' needs host: the folder (path or fsspec URL) where "
                             "interview CSV files are dropped.")
    # no HTTP here: the client carries the drop folder and the stats the runner reports
    return VendorHttpClient(vendor="Interview drop", base_url=conn.host,
                            settings={"drop_url": conn.host, **conn.extra}, **overrides)


def row_problems(row: dict[str, str | None]) -> list[str]:
    """What is wrong with one data row of the template (empty: it may land)."""
    problems = []
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            problems.append(f"{column} is empty")
    day = (row.get("interviewed_on") or "").strip()
    if day:
        try:
            if date.fromisoformat(day) > date.today():
                problems.append(f"interviewed_on {day} is in the future")
        except ValueError:
            problems.append(f"interviewed_on {day!r} is not a date (YYYY-MM-DD)")
    email = (row.get("email") or "").strip()
    if email and not EMAIL_RE.match(email):
        problems.append(f"email {email!r} is not an email address")
    tool = (row.get("tool") or "").strip()
    if tool and tool not in TOOLS:
        problems.append(f"tool {tool!r} is not one of {', '.join(TOOLS)}")
    frequency = (row.get("frequency") or "").strip()
    if frequency and frequency not in FREQUENCIES:
        problems.append(f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    return problems


def parse_interviews(text: str, name: str) -> list[dict[str, str]]:
    """The rows of one dropped file, checked whole; raises InterviewFileError listing every problem."""
    text = text.lstrip("\ufeff")  # Excel writes a byte-order mark
    if not text.strip():
        raise InterviewFileError(f"{name}: the file is empty; expected the header {','.join(COLUMNS)} and one row "
                                 "per interview.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        raise InterviewFileError(
            f"{name}: the header does not follow the template (docs/templates/interviews.csv): "
            + "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "",
                                      f"unknown {', '.join(unknown)}" if unknown else ""]))
            + ". Nothing was landed; fix the header and drop the file again."
        )
    reader.fieldnames = header
    rows, problems, seen = [], [], {}
    for number, raw in enumerate(reader, start=2):  # line 1 is the header
        if None in raw:
            problems.append(f"row {number}: {len(raw[None])} cell(s) more than the header's {len(header)}")
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue  # a blank line
        found = row_problems(row)
        key = (row["email"].lower(), row["interviewed_on"], row["tool"])
        if not found and key in seen:
            found.append(f"the same interview (email, interviewed_on, tool) as row {seen[key]}")
        seen.setdefault(key, number)
        problems.extend(f"row {number}: {p}" for p in found)
        rows.append(row)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        raise InterviewFileError(f"{name}: {len(problems)} problem(s): " + "; ".join(shown) + more
                                 + ". Nothing was landed and the file was left in place; fix it and run again.")
    if not rows:
        raise InterviewFileError(f"{name}: the header is there but no interview row follows.")
    return rows


def _extract_answers(client: VendorHttpClient, ctx: ExtractContext) -> Iterator[Page]:
    fs, root = fsspec.core.url_to_fs(client.settings["drop_url"])
    if not fs.exists(root):
        raise ConnectorError(f"the interview drop folder {client.settings['drop_url']} does not exist; create it "
                             "or fix the host of the connection 'outcomes_interviews'.")
    landed: dict[str, str] = dict((ctx.cursor_before or {}).get("files") or {})
    pending, errors = [], []
    for path in sorted(fs.glob(f"{root.rstrip('/')}/*.csv")):
        name = path.rsplit("/", 1)[-1]
        with fs.open(path, "rb") as fh:
            content = fh.read()
        digest = hashlib.sha256(content).hexdigest()
        if landed.get(name) == digest:
            continue
        try:
            pending.append((name, digest, parse_interviews(content.decode("utf-8"), name)))
        except UnicodeDecodeError as exc:
            errors.append(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8.")
        except InterviewFileError as exc:
            errors.append(str(exc))
    if errors:
        # checked before anything is yielded: one bad file keeps the whole run out of the landing zone
        raise InterviewFileError(" | ".join(errors))
    for name, digest, rows in pending:
        landed[name] = digest
        yield Page(rows, cursor={"files": dict(landed)})


ANSWERS = Stream(
    source=SOURCE,
    name="answers",
    primary_key=("email", "interviewed_on", "tool"),
    disposition="merge",
    extract=_extract_answers,
    description="One row per interview of the usage audit (template docs/templates/interviews.csv), as typed.",
)
STREAMS = (ANSWERS,)
