"""Reading and checking a file of applicants (CSV or XLSX) before anything is written. No Flask, no database.

Files come from the form tools organisers used before (Google Forms, KoboToolbox, Excel): CSV in UTF-8 with
or without a byte order mark, separated by commas or semicolons, or the first sheet of an XLSX workbook. Rows
are read one at a time (`read_rows`), so a large file is never held as text; the caller stops at its row
limit. A cell is always taken as the text it holds: a formula (a cell starting with =, +, -, @) is never
evaluated, an XLSX formula is read as its formula text, not its cached result.

Problems are codes with parameters (`Problem`); the service words them in the reader's language.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping

from hackathon.applications import answers as rules

MAX_COLUMNS = 200
CELL_MAX = 10_000
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024  # a zip bomb stops here, before openpyxl reads anything
FORMULA_STARTS = ("=", "+", "-", "@")

# What a column can be mapped to, besides the event's questions ("question:<id>") and "ignore".
PROFILE_TARGETS = ("email", "name", "year_of_birth", "gender", "region", "country", "background", "organisation",
                   "skills", "first_hackathon", "locale", "looking_for_team")
IGNORE = "ignore"

# Column headings recognised without a mapping (compared case-insensitively, spaces collapsed, a final ":" or
# "*" dropped). Google Forms calls its address column "Email Address", KoboToolbox uses the field names.
HEADINGS = {
    "email": {"email", "e-mail", "email address", "e-mail address", "mail", "электронная почта", "почта",
              "эл. почта", "электрондук почта"},
    "name": {"name", "full name", "your name", "имя", "фио", "имя и фамилия", "аты-жөнү", "аты"},
    "year_of_birth": {"year of birth", "year_of_birth", "birth year", "год рождения", "туулган жылы"},
    "gender": {"gender", "sex", "пол", "жынысы"},
    "region": {"region", "oblast", "регион", "область", "аймак", "облус"},
    "country": {"country", "country of residence", "страна", "өлкө"},
    "background": {"background", "it background", "опыт в it", "тажрыйба"},
    "organisation": {"organisation", "organization", "organisation or school", "организация", "уюм"},
    "skills": {"skills", "навыки", "көндүмдөр"},
    "first_hackathon": {"first hackathon", "first_hackathon", "первый хакатон", "биринчи хакатон"},
    "locale": {"language", "locale", "язык", "тил"},
    "looking_for_team": {"looking for a team", "looking_for_team", "ищу команду", "команда издейм"},
}
GENDERS = {"female": "female", "f": "female", "woman": "female", "женский": "female", "ж": "female",
           "аял": "female", "male": "male", "m": "male", "man": "male", "мужской": "male", "м": "male",
           "эркек": "male", "other": "other", "другой": "other", "башка": "other", "undisclosed": "undisclosed",
           "prefer not to say": "undisclosed", "не указывать": "undisclosed"}
BACKGROUNDS = {"it": "it", "non_it": "non_it", "non-it": "non_it", "not it": "non_it", "не it": "non_it",
               "it эмес": "non_it"}
YES_NO = rules.YES_WORDS | {"да": True, "нет": False, "ооба": True, "жок": False}
LOCALES = ("en", "ru", "ky")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a file, or with one cell of a row (`column` names it)."""

    code: str
    column: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


class FileProblem(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.problem = Problem(code, params=params)


# --- reading ---------------------------------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """A cell as the text it shows: numbers without a trailing .0, dates in ISO form, yes/no for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _delimiter(first_line: str) -> str:
    """Semicolons when the heading line has more of them than commas (Excel in Russian writes those)."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_rows(stream: BinaryIO) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        first = text.readline()
        reader = csv.reader(itertools.chain([first], text), delimiter=_delimiter(first))
        for row in reader:
            yield row
    except UnicodeDecodeError:
        raise FileProblem("not_utf8") from None
    except csv.Error as error:
        raise FileProblem("bad_csv", detail=str(error)[:200]) from None
    finally:
        try:
            text.detach()  # the caller's stream stays open (and is the caller's to close)
        except ValueError:
            pass


def _xlsx_rows(stream: BinaryIO) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(stream) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNCOMPRESSED:
                raise FileProblem("too_large_unpacked")
    except zipfile.BadZipFile:
        raise FileProblem("bad_xlsx") from None
    stream.seek(0)
    from openpyxl import load_workbook  # read-only mode streams the sheet's XML row by row

    try:
        workbook = load_workbook(stream, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise FileProblem("bad_xlsx") from None
    try:
        if not workbook.worksheets:
            return
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [cell_text(value) for value in row]
    finally:
        workbook.close()


def read_rows(stream: BinaryIO) -> Iterator[list[str]]:
    """Every row of the file, the heading first, as lists of texts (XLSX told apart by its zip signature)."""
    start = stream.read(4)
    stream.seek(0)
    rows = _xlsx_rows(stream) if start == b"PK\x03\x04" else _csv_rows(stream)
    for row in rows:
        if len(row) > MAX_COLUMNS:
            raise FileProblem("too_many_columns", max=MAX_COLUMNS)
        yield [cell[:CELL_MAX + 1] for cell in row]


# --- mapping columns --------------------------------------------------------------------------------------------

def heading_key(heading: str) -> str:
    return " ".join(heading.replace("\ufeff", "").split()).casefold().rstrip(":*").strip()


@dataclass(frozen=True)
class QuestionInfo:
    """An event question as the importer needs it: its spec, its labels (any language) and its options' labels."""

    spec: rules.QuestionSpec
    labels: tuple[str, ...]
    option_labels: Mapping[str, str]  # heading_key(label or value) -> option value

    @property
    def target(self) -> str:
        return f"question:{self.spec.id}"


def auto_mapping(header: list[str], questions: Iterable[QuestionInfo]) -> dict[int, str]:
    """Column index -> target for the headings recognised (profile fields, then question labels); a target is
    given to its first matching column only."""
    known: dict[str, str] = {}
    for target, names in HEADINGS.items():
        for name in names:
            known.setdefault(name, target)
    for question in questions:
        for label in question.labels:
            known.setdefault(heading_key(label), question.target)
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, heading in enumerate(header):
        target = known.get(heading_key(heading))
        if target and target not in taken:
            mapping[index] = target
            taken.add(target)
    return mapping


def parse_mapping_text(text: str, header: list[str]) -> tuple[dict[int, str], list[Problem]]:
    """`Heading=target,Heading=target` (the CLI's --mapping) as column index -> target."""
    mapping: dict[int, str] = {}
    problems: list[Problem] = []
    keys = [heading_key(h) for h in header]
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        heading, sep, target = part.rpartition("=")
        if not sep or heading_key(heading) not in keys:
            problems.append(Problem("unknown_heading", column=heading or part))
            continue
        mapping[keys.index(heading_key(heading))] = target.strip()
    return mapping, problems


def check_mapping(mapping: Mapping[int, str], questions: Iterable[QuestionInfo]) -> list[Problem]:
    valid = set(PROFILE_TARGETS) | {q.target for q in questions} | {IGNORE}
    problems = [Problem("unknown_target", params={"target": target}) for target in mapping.values()
                if target not in valid]
    chosen = [target for target in mapping.values() if target != IGNORE]
    problems += [Problem("mapped_twice", params={"target": target})
                 for target in sorted({t for t in chosen if chosen.count(t) > 1})]
    if "email" not in chosen:
        problems.append(Problem("no_email_column"))
    return problems


# --- checking rows ----------------------------------------------------------------------------------------------

@dataclass
class Record:
    """One applicant as the file describes them: only what the mapped columns hold (empty cells left out)."""

    line: int
    email: str
    name: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    looking_for_team: bool | None = None


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _yes_no(text: str) -> bool:
    value = YES_NO.get(text.strip().casefold())
    if value is None:
        raise ValueError("not_yes_no")
    return value


def _profile_value(target: str, text: str, *, year: int) -> Any:
    folded = text.strip().casefold()
    if target == "year_of_birth":
        if not text.isascii() or not text.isdigit() or not 1900 <= int(text) <= year:
            raise ValueError("bad_year")
        return int(text)
    if target == "gender":
        if folded not in GENDERS:
            raise ValueError("bad_gender")
        return GENDERS[folded]
    if target == "background":
        if folded not in BACKGROUNDS:
            raise ValueError("bad_background")
        return BACKGROUNDS[folded]
    if target == "country":
        return text.strip().upper()  # the service checks it is a country code
    if target == "locale":
        if folded not in LOCALES:
            raise ValueError("bad_locale")
        return folded
    if target in ("first_hackathon", "looking_for_team"):
        return _yes_no(text)
    if target == "skills":
        parts = text.replace(";", ",").split(",")
        seen: dict[str, str] = {}
        for part in parts:
            tag = " ".join(part.split())[:40]
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
        return list(seen.values())[:20]
    limit = {"region": 80, "organisation": 120, "name": 120}[target]
    if len(text) > limit:
        raise ValueError("too_long")
    return " ".join(text.split())


def _answer(question: QuestionInfo, text: str) -> Any:
    """The cell as an answer: option labels (in any language) or values for choices, several separated by ; or ,
    for multiple choice; then the answer rules of the application form apply."""
    spec = question.spec
    raw: Any = text
    if spec.kind == rules.SINGLE_CHOICE:
        raw = question.option_labels.get(heading_key(text), text)
    elif spec.kind == rules.MULTIPLE_CHOICE:
        separator = ";" if ";" in text else ","
        raw = [question.option_labels.get(heading_key(part), part.strip())
               for part in text.split(separator) if part.strip()]
    elif spec.kind == rules.YES_NO:
        folded = text.strip().casefold()
        raw = YES_NO.get(folded, text)
    elif spec.kind == rules.NUMBER and is_formula_like(text) and not (text[1:].isascii() and text[1:].isdigit()):
        raise rules.AnswerError(rules.Problem("not_a_number"))  # "=1+2" is a formula's text, not a number
    return rules.normalise_answer(spec, raw)


def check_row(line: int, cells: list[str], header: list[str], mapping: Mapping[int, str],
              questions: Mapping[str, QuestionInfo], *, year: int,
              normalise_email: Callable[[str], str]) -> tuple[Record | None, list[Problem]]:
    """The row as a Record, or the problems of its cells. `normalise_email` raises ValueError for a bad address."""
    problems: list[Problem] = []
    record = Record(line=line, email="")
    for index, target in mapping.items():
        if target == IGNORE:
            continue
        text = cells[index].strip() if index < len(cells) else ""
        column = header[index] if index < len(header) else str(index + 1)
        if len(text) > CELL_MAX:
            problems.append(Problem("cell_too_long", column=column, params={"max": CELL_MAX}))
            continue
        if target == "email":
            try:
                record.email = normalise_email(text)
            except ValueError as error:
                problems.append(Problem("bad_email", column=column, params={"detail": str(error)}))
            continue
        if not text:
            if target.startswith("question:") and questions[target].spec.required:
                problems.append(Problem("answer", column=column, params={"problem": rules.Problem("required")}))
            continue
        if target.startswith("question:"):
            try:
                value = _answer(questions[target], text)
            except rules.AnswerError as error:
                problems.append(Problem("answer", column=column, params={"problem": error.problem}))
                continue
            if value is not None:
                record.answers[questions[target].spec.key] = value
            continue
        try:
            value = _profile_value(target, text, year=year)
        except ValueError as error:
            problems.append(Problem(str(error), column=column, params={"value": text[:60]}))
            continue
        if target == "name":
            record.name = value
        elif target == "looking_for_team":
            record.looking_for_team = value
        else:
            record.profile[target] = value
    return (None if problems else record), problems
