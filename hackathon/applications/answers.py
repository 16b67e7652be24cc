"""Answers to an event's application questions: validation, normalisation and age eligibility.

Pure: standard library only; the caller turns question rows into `QuestionSpec`s and passes the year in.
Problems come back as codes with their parameters; the service turns them into translated messages.

Stored answers (`Application.answers`) are keyed by the question id as a string and hold only given answers:
a string (texts, single choice), a list of option values in the options' order (multiple choice), a bool
(yes/no) or an int (number). An empty answer is simply absent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
NUMBER_LIMIT = 2**31 - 1  # what a database INTEGER holds; larger numbers are refused whatever the range

SHORT_TEXT, LONG_TEXT = "short_text", "long_text"
SINGLE_CHOICE, MULTIPLE_CHOICE = "single_choice", "multiple_choice"
YES_NO, NUMBER = "yes_no", "number"
KINDS = (SHORT_TEXT, LONG_TEXT, SINGLE_CHOICE, MULTIPLE_CHOICE, YES_NO, NUMBER)
CHOICE_KINDS = (SINGLE_CHOICE, MULTIPLE_CHOICE)
TEXT_LIMITS = {SHORT_TEXT: SHORT_TEXT_MAX, LONG_TEXT: LONG_TEXT_MAX}

YES_WORDS = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


@dataclass(frozen=True)
class QuestionSpec:
    """What an answer to one question must look like."""

    id: int
    kind: str
    required: bool = False
    options: tuple[str, ...] = ()  # the option values, in order (choice kinds)
    min_value: int | None = None
    max_value: int | None = None

    @property
    def key(self) -> str:
        return str(self.id)


@dataclass(frozen=True)
class Problem:
    """Why an answer is refused: `code` is one of required, too_long, not_text, not_an_option, not_yes_no,
    not_a_number, too_large, out_of_range."""

    code: str
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None


class AnswerError(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, (list, tuple)) and not raw)


def _text(spec: QuestionSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise AnswerError(Problem("not_text"))
    # Browsers send line breaks as CR LF; count (and keep) them as one character each.
    value = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    limit = TEXT_LIMITS[spec.kind]
    if len(value) > limit:
        raise AnswerError(Problem("too_long", max_length=limit))
    return value


def _single(spec: QuestionSpec, raw: Any) -> str:
    if isinstance(raw, (list, tuple)) and len(raw) == 1:
        raw = raw[0]
    if not isinstance(raw, str) or raw not in spec.options:
        raise AnswerError(Problem("not_an_option"))
    return raw


def _multiple(spec: QuestionSpec, raw: Any) -> list[str]:
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, (list, tuple)) or not all(isinstance(value, str) for value in values):
        raise AnswerError(Problem("not_an_option"))
    chosen = set(values)
    if not chosen <= set(spec.options):
        raise AnswerError(Problem("not_an_option"))
    return [value for value in spec.options if value in chosen]  # the options' order, no duplicates


def _yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in YES_WORDS:
        return YES_WORDS[raw.strip().lower()]
    raise AnswerError(Problem("not_yes_no"))


def _number(spec: QuestionSpec, raw: Any) -> int:
    if isinstance(raw, bool):
        raise AnswerError(Problem("not_a_number"))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
            raise AnswerError(Problem("too_large" if digits.isascii() and digits.isdigit() else "not_a_number"))
        value = int(text)
    else:
        raise AnswerError(Problem("not_a_number"))
    if abs(value) > NUMBER_LIMIT:
        raise AnswerError(Problem("too_large"))
    if (spec.min_value is not None and value < spec.min_value) or (
            spec.max_value is not None and value > spec.max_value):
        raise AnswerError(Problem("out_of_range", min_value=spec.min_value, max_value=spec.max_value))
    return value


def normalise_answer(spec: QuestionSpec, raw: Any) -> Any:
    """The answer as stored, or None when it is empty; raises AnswerError when it is not acceptable."""
    if _is_empty(raw):
        return None
    if spec.kind in TEXT_LIMITS:
        return _text(spec, raw) or None
    if spec.kind == SINGLE_CHOICE:
        return _single(spec, raw)
    if spec.kind == MULTIPLE_CHOICE:
        return _multiple(spec, raw) or None
    if spec.kind == YES_NO:
        return _yes_no(raw)
    if spec.kind == NUMBER:
        return _number(spec, raw)
    raise ValueError(f"unknown question kind {spec.kind!r}")


@dataclass
class Checked:
    """Normalised answers (only the given ones) and the problems, both keyed by question id as a string."""

    answers: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_answers(specs: Iterable[QuestionSpec], raw_answers: Mapping[str, Any], *, complete: bool) -> Checked:
    """Check every asked question's answer; with `complete` (submitting) required questions must be answered.

    Keys of `raw_answers` that are not asked questions are ignored: nobody answers a question they were not
    shown (e.g. an archived one) through a crafted request.
    """
    checked = Checked()
    for spec in specs:
        try:
            value = normalise_answer(spec, raw_answers.get(spec.key))
        except AnswerError as error:
            checked.problems[spec.key] = error.problem
            continue
        if value is None:
            if complete and spec.required:
                checked.problems[spec.key] = Problem("required")
        else:
            checked.answers[spec.key] = value
    return checked


def merge_answers(stored: Mapping[str, Any], given: Mapping[str, Any], asked: Iterable[QuestionSpec]) -> dict:
    """The new stored answers: asked questions take the given answer (or lose it when left empty); answers to
    questions that were not asked (archived ones) are kept as they are, so no answer is ever lost."""
    asked_keys = {spec.key for spec in asked}
    merged = {key: value for key, value in stored.items() if key not in asked_keys}
    merged.update({key: value for key, value in given.items() if key in asked_keys})
    return merged


def missing_required(specs: Iterable[QuestionSpec], answers: Mapping[str, Any]) -> list[int]:
    """Ids of required questions without an answer."""
    return [spec.id for spec in specs if spec.required and _is_empty(answers.get(spec.key))]


def pick_text(texts: Mapping[str, str] | None, locale: str, languages: Iterable[str]) -> str:
    """A translated text in the reader's language, else the event's first language that has it, else any."""
    if not texts:
        return ""
    if texts.get(locale):
        return texts[locale]
    for language in languages:
        if texts.get(language):
            return texts[language]
    return next((text for text in texts.values() if text), "")


def answered_question_keys(all_answers: Iterable[Mapping[str, Any] | None]) -> set[str]:
    """Keys of questions that have at least one stored answer in any application."""
    keys: set[str] = set()
    for answers in all_answers:
        keys.update(key for key, value in (answers or {}).items() if not _is_empty(value))
    return keys


def option_usage(all_answers: Iterable[Mapping[str, Any] | None], key: str) -> dict[str, int]:
    """How many applications chose each option value of one question."""
    usage: dict[str, int] = {}
    for answers in all_answers:
        value = (answers or {}).get(key)
        values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for chosen in set(values):
            usage[chosen] = usage.get(chosen, 0) + 1
    return usage


# Eligibility -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """Someone an application covers: the individual applicant or one team member."""

    user_id: int
    name: str
    year_of_birth: int | None


@dataclass(frozen=True)
class EligibilityProblem:
    """`code`: missing_year_of_birth or too_young."""

    user_id: int
    name: str
    code: str


def age_in_year(year_of_birth: int, year: int) -> int:
    """The age a person reaches during `year` (birthdays are not asked, so the year decides)."""
    return year - year_of_birth


def eligibility_problems(people: Iterable[Person], *, minimum_age: int | None, year: int) -> list[EligibilityProblem]:
    """Everyone covered must have given a year of birth and be at least `minimum_age` in the event's year.

    Without a minimum age nothing is required.
    """
    if minimum_age is None:
        return []
    problems = []
    for person in people:
        if person.year_of_birth is None:
            problems.append(EligibilityProblem(person.user_id, person.name, "missing_year_of_birth"))
        elif age_in_year(person.year_of_birth, year) < minimum_age:
            problems.append(EligibilityProblem(person.user_id, person.name, "too_young"))
    return problems
