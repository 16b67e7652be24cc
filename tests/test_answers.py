"""The rules of answers and eligibility (hackathon/applications/answers.py): pure, no app needed."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hackathon.applications import answers as rules
from hackathon.applications.answers import Person, Problem, QuestionSpec

SHORT = QuestionSpec(1, "short_text")
LONG = QuestionSpec(2, "long_text")
SINGLE = QuestionSpec(3, "single_choice", options=("oa", "ob", "oc"))
MULTI = QuestionSpec(4, "multiple_choice", options=("oa", "ob", "oc"))
YES_NO = QuestionSpec(5, "yes_no")
NUMBER = QuestionSpec(6, "number", min_value=1, max_value=10)
OPEN_NUMBER = QuestionSpec(7, "number")


def problem(spec, raw) -> Problem:
    with pytest.raises(rules.AnswerError) as caught:
        rules.normalise_answer(spec, raw)
    return caught.value.problem


def test_module_is_pure():
    source = Path(rules.__file__).read_text()
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "dataclasses", "typing"}


# Texts ------------------------------------------------------------------------------------------------------------

def test_texts_are_stripped_and_empty_means_no_answer():
    assert rules.normalise_answer(SHORT, "  Айгүл  ") == "Айгүл"
    assert rules.normalise_answer(SHORT, "   ") is None
    assert rules.normalise_answer(SHORT, None) is None


@pytest.mark.parametrize(("spec", "limit"), [(SHORT, 300), (LONG, 5000)])
def test_text_limits_are_exact(spec, limit):
    assert rules.normalise_answer(spec, "я" * limit) == "я" * limit
    assert problem(spec, "я" * (limit + 1)) == Problem("too_long", max_length=limit)


def test_line_breaks_count_once_and_unicode_is_kept_as_typed():
    text = "Салам 👋🏽\r\nمرحبا بالعالم\r\nשלום"
    assert rules.normalise_answer(LONG, text) == "Салам 👋🏽\nمرحبا بالعالم\nשלום"
    # 2500 CR LF pairs are 2500 characters once normalised: within the long-text limit.
    assert len(rules.normalise_answer(LONG, "a\r\n" * 2500)) == 2 * 2500 - 1


def test_text_must_be_a_string():
    assert problem(SHORT, ["a", "b"]).code == "not_text"
    assert problem(SHORT, 42).code == "not_text"


# Choices ----------------------------------------------------------------------------------------------------------

def test_single_choice_takes_one_known_value():
    assert rules.normalise_answer(SINGLE, "ob") == "ob"
    assert rules.normalise_answer(SINGLE, ["oc"]) == "oc"
    assert problem(SINGLE, "zz").code == "not_an_option"
    assert problem(SINGLE, ["oa", "ob"]).code == "not_an_option"
    assert problem(SINGLE, "OA").code == "not_an_option"


def test_multiple_choice_is_stored_in_option_order_without_duplicates():
    assert rules.normalise_answer(MULTI, ["oc", "oa", "oc"]) == ["oa", "oc"]
    assert rules.normalise_answer(MULTI, "ob") == ["ob"]
    assert rules.normalise_answer(MULTI, []) is None
    assert problem(MULTI, ["oa", "evil"]).code == "not_an_option"
    assert problem(MULTI, [1]).code == "not_an_option"


# Yes/no and numbers -----------------------------------------------------------------------------------------------

def test_yes_no():
    assert rules.normalise_answer(YES_NO, "yes") is True
    assert rules.normalise_answer(YES_NO, "no") is False  # "no" is an answer, not an empty one
    assert rules.normalise_answer(YES_NO, False) is False
    assert problem(YES_NO, "maybe").code == "not_yes_no"


def test_numbers_within_range():
    assert rules.normalise_answer(NUMBER, "7") == 7
    assert rules.normalise_answer(NUMBER, " 10 ") == 10
    assert rules.normalise_answer(NUMBER, 1) == 1
    assert problem(NUMBER, "11") == Problem("out_of_range", min_value=1, max_value=10)
    assert problem(NUMBER, "0") == Problem("out_of_range", min_value=1, max_value=10)
    assert rules.normalise_answer(OPEN_NUMBER, "-5") == -5


@pytest.mark.parametrize("raw", ["abc", "3.5", "1e3", "1_000", "٣", "+", True, 2.0])
def test_numbers_must_be_whole(raw):
    assert problem(OPEN_NUMBER, raw).code == "not_a_number"


def test_numbers_no_database_can_hold_are_refused():
    assert problem(OPEN_NUMBER, str(2**31)).code == "too_large"
    assert problem(OPEN_NUMBER, "9" * 40).code == "too_large"
    assert rules.normalise_answer(OPEN_NUMBER, str(2**31 - 1)) == 2**31 - 1


# Checking a whole form --------------------------------------------------------------------------------------------

def test_drafts_may_be_partial_but_submitting_needs_required_answers():
    specs = [QuestionSpec(1, "short_text", required=True), QuestionSpec(2, "number", required=False)]
    draft = rules.check_answers(specs, {"2": "4"}, complete=False)
    assert draft.ok and draft.answers == {"2": 4}
    final = rules.check_answers(specs, {"2": "4"}, complete=True)
    assert final.problems == {"1": Problem("required")}


def test_unasked_keys_are_ignored():
    checked = rules.check_answers([SHORT], {"1": "hi", "99": "sneaky", "status": "accepted"}, complete=True)
    assert checked.answers == {"1": "hi"}


def test_every_problem_is_reported_at_once():
    checked = rules.check_answers([SHORT, SINGLE, NUMBER], {"1": "x" * 301, "3": "nope", "6": "99"}, complete=False)
    assert set(checked.problems) == {"1", "3", "6"}


def test_merge_keeps_answers_to_questions_no_longer_asked():
    stored = {"1": "old", "9": "answer to an archived question"}
    merged = rules.merge_answers(stored, {"3": "oa"}, [SHORT, SINGLE])
    # "1" was asked and left empty: cleared; "9" was not asked: kept.
    assert merged == {"9": "answer to an archived question", "3": "oa"}


def test_missing_required():
    specs = [QuestionSpec(1, "short_text", required=True), QuestionSpec(5, "yes_no", required=True)]
    assert rules.missing_required(specs, {"5": False}) == [1]


# Texts per language -----------------------------------------------------------------------------------------------

def test_pick_text_falls_back_to_the_events_first_language_then_any():
    texts = {"en": "Name", "ky": "Аты"}
    assert rules.pick_text(texts, "ky", ["en", "ru", "ky"]) == "Аты"
    assert rules.pick_text(texts, "ru", ["en", "ru", "ky"]) == "Name"
    assert rules.pick_text({"ky": "Аты"}, "ru", ["en", "ru"]) == "Аты"
    assert rules.pick_text({}, "en", ["en"]) == ""


def test_usage_of_questions_and_options():
    all_answers = [{"3": "oa", "4": ["oa", "ob"]}, {"3": "oa", "1": ""}, {}, None]
    assert rules.answered_question_keys(all_answers) == {"3", "4"}
    assert rules.option_usage(all_answers, "3") == {"oa": 2}
    assert rules.option_usage(all_answers, "4") == {"oa": 1, "ob": 1}


# Eligibility ------------------------------------------------------------------------------------------------------

def test_no_minimum_age_asks_nothing():
    assert rules.eligibility_problems([Person(1, "A", None)], minimum_age=None, year=2026) == []


def test_age_is_counted_in_the_events_year():
    people = [Person(1, "Adult", 2008), Person(2, "Young", 2009), Person(3, "Silent", None), Person(4, "Elder", 1964)]
    problems = rules.eligibility_problems(people, minimum_age=18, year=2026)
    assert [(p.user_id, p.code) for p in problems] == [(2, "too_young"), (3, "missing_year_of_birth")]
    assert rules.age_in_year(1964, 2026) == 62
