"""The inclusion report for donors and partners: its PDF checked where its text lies (every run inside the page, no
overlaps, the lines people expect) in en, ru and ky, with long group names and many rows; its CSV (content,
suppression, formulas neutralised); who may download it; and that no name or email planted in the data ever
reaches either file."""
from __future__ import annotations

import csv
import io
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from hackathon.accounts.models import Background, Gender
from hackathon.applications import stats
from hackathon.applications.models import ApplicationStatus, InclusionSettings
from hackathon.applications.report import STAGE_LABELS, build_report, suppression_rule
from hackathon.applications.report_pdf import report_pdf
from hackathon.database import utcnow
from hackathon.events.models import Role
from hackathon.extensions import db
from tests import factories as f
from tests.test_pdfs import check_layout, squeeze, text_runs

LANGUAGES = ("en", "ru", "ky")
PDF = "/events/{slug}/inclusion/report-{lang}.pdf"
CSV = "/events/{slug}/inclusion/report-{lang}.csv"
API = "/api/v1/events/{slug}/stats"
# Planted in every person of the world: none of it may appear in a report.
SECRET_NAME = "Plantedname"
SECRET_MAIL = "secret-mailbox.example"
TITLE = "=HYPERLINK(\"x\") #DevelopMyCommunity — Бишкек, Ош жана Каракол, ңөү"


@pytest.fixture
def world(app):
    """An event in three languages where the hand-worked numbers are:

    applied 22 people: a confirmed team of six women (IT), three men confirmed individually, eight women rejected,
    five people with no profile rejected. Gender at applied: female 14, male 3, unknown 5 (total 22): the men's 3
    is suppressed and, alone in its column, takes the next smallest non-zero cell (the 5 "not given") with it.
    At confirmed (9): female 6, male 3: the 3 is suppressed and the 6 with it; the total 9 is shown."""
    organiser = f.create_user(f"organiser@{SECRET_MAIL}", name=f"Organiser {SECRET_NAME}")
    event = f.create_event("civic-report", title=TITLE, languages=["en", "ru", "ky"], organiser=organiser)
    people = iter(range(1000))

    def person(**profile):
        n = next(people)
        return f.create_user(f"person{n}@{SECRET_MAIL}", name=f"{SECRET_NAME} Person{n}", **profile)

    women = [person(gender=Gender.female, background=Background.it, year_of_birth=1995, country="KG",
                    region="bishkek") for _ in range(6)]
    f.create_team(event, women[0], *women[1:], name=f"Team of {SECRET_NAME}", application=ApplicationStatus.confirmed)
    for _ in range(3):
        f.create_application(event, person(gender=Gender.male, background=Background.non_it, year_of_birth=1980),
                             status=ApplicationStatus.confirmed)
    for _ in range(8):
        f.create_application(event, person(gender=Gender.female, background=Background.non_it, year_of_birth=2001),
                             status=ApplicationStatus.rejected)
    for _ in range(5):
        f.create_application(event, person(), status=ApplicationStatus.rejected)
    return event, organiser


def share(event, on: bool = True, threshold: int = 5) -> None:
    db.session.add(InclusionSettings(event_id=event.id, report_shared=on, suppression_threshold=threshold))
    db.session.commit()


def sign_in(client, user) -> None:
    from tests.conftest import session_user_id

    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


def read_csv(response) -> list[dict]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    from hackathon.applications.report import CSV_COLUMNS

    return [dict(zip(CSV_COLUMNS, row)) for row in rows[1:]]


# --- the CSV ------------------------------------------------------------------------------------------------------


def test_the_csv_holds_the_funnel_and_suppresses_small_cells(client, world):
    event, organiser = world
    sign_in(client, organiser)
    response = client.get(CSV.format(slug=event.slug, lang="en"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="inclusion-civic-report-en.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    # The title starts with "=": written as text, never a formula.
    assert rows[0]["section"] == "event" and rows[0]["text"] == "'" + TITLE
    funnel = {row["stage"]: row for row in rows if row["section"] == "funnel"}
    assert (funnel["applied"]["people"], funnel["applied"]["teams"], funnel["applied"]["applications"]) == (
        "22", "1", "17")
    assert (funnel["confirmed"]["people"], funnel["confirmed"]["percent"], funnel["confirmed"]["percent_of"]) == (
        "9", "100", "accepted")
    gender = {(row["group"], row["stage"]): row for row in rows
              if row["section"] == "breakdown" and row["dimension"] == "gender"}
    assert gender["female", "applied"]["people"] == "14" and gender["female", "applied"]["percent"] == "64"
    for group, stage in (("male", "applied"), ("unknown", "applied"), ("male", "confirmed"), ("female", "confirmed")):
        cell = gender[group, stage]
        assert (cell["people"], cell["people_suppressed"], cell["percent"], cell["percent_suppressed"]) == (
            "", "yes", "", "yes"), (group, stage)
    assert gender["other", "applied"]["people"] == "0" and gender["other", "applied"]["people_suppressed"] == ""
    # The rule is stated, with the event's threshold.
    assert any(row["section"] == "rule" and "“<5”" in row["text"] for row in rows)
    # Each stage says what it counts.
    assert [row["stage"] for row in rows if row["section"] == "stage"] == list(stats.STAGES)


def test_the_threshold_is_the_events(client, world):
    event, organiser = world
    share(event, on=False, threshold=10)
    sign_in(client, organiser)
    rows = read_csv(client.get(CSV.format(slug=event.slug, lang="en")))
    funnel = {row["stage"]: row for row in rows if row["section"] == "funnel"}
    assert funnel["confirmed"]["people"] == "" and funnel["confirmed"]["people_suppressed"] == "yes"
    assert funnel["confirmed"]["teams"] == ""  # teams hidden where the people are
    assert any(row["section"] == "rule" and "“<10”" in row["text"] for row in rows)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_csv_speaks_the_language_asked_for(client, world, language, app):
    event, organiser = world
    sign_in(client, organiser)
    response = client.get(CSV.format(slug=event.slug, lang=language))
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8")[1:])))
    with force_locale(language):
        assert header[0] == _("Section")
        labels = {row["stage"]: row["stage_name"] for row in read_csv(response) if row["section"] == "funnel"}
        assert labels["applied"] == str(STAGE_LABELS["applied"])


# --- nothing personal -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_name_or_email_reaches_the_report(client, world, language):
    event, organiser = world
    sign_in(client, organiser)
    pdf = client.get(PDF.format(slug=event.slug, lang=language))
    text = "".join(run.text for run in text_runs(pdf.data))
    data = client.get(CSV.format(slug=event.slug, lang=language)).data.decode("utf-8")
    for planted in (SECRET_NAME, SECRET_MAIL, "@"):
        assert planted not in text and planted not in squeeze(text)
        assert planted not in data
    assert squeeze("Бишкек, Ош жана Каракол") in squeeze(text)  # the title is there: text was read


# --- the PDF ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_holds_every_line_inside_its_pages(client, world, language):
    event, organiser = world
    sign_in(client, organiser)
    response = client.get(PDF.format(slug=event.slug, lang=language))
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="inclusion-civic-report-{language}.pdf"')
    from hackathon.applications import inclusion

    with force_locale(language):
        expected = [TITLE, _("About these numbers"), suppression_rule(5), _("The funnel"),
                    _("Groups markedly below the rest")]
        expected += [str(label) for label in inclusion.DIMENSION_LABELS.values()]
        expected += [str(STAGE_LABELS[stage]) for stage in stats.STAGES]
    from tests.test_pdfs import check_pdf

    runs = check_pdf(response, expected)
    assert "<5" in "".join(run.text for run in runs)


# Long names of countries (in the language of the report) and many of them: the group column wraps, the table
# flows onto further pages with its header again.
LONG_COUNTRIES = ["VC", "BA", "GS", "UM", "CD", "TC", "HM", "KN", "ST", "PM", "CF", "AE", "DO", "IO", "MP", "TF",
                  "SJ", "PG", "TT", "GQ", "SX", "BQ", "CC", "FK", "MH", "SB", "AG", "KG", "KZ", "RU", "DE", "TR",
                  "US", "GB", "FR", "IT", "ES", "UZ", "TJ", "CN", "KR", "JP", "IN", "PK", "AF", "IR", "IQ", "SA",
                  "EG", "MA"]


def big_funnel(event_languages=("en",)) -> stats.Funnel:
    used = list(stats.STAGES)
    counts = {}
    for index, code in enumerate(LONG_COUNTRIES):
        applied = 3 + (index * 7) % 40
        row, n = {}, applied
        for stage in used:
            row[stage] = n
            n = n * 3 // 4
        counts[code] = row
    totals = {stage: sum(row[stage] for row in counts.values()) for stage in used}
    groups = {"country": counts, "gender": {"female": {s: totals[s] // 2 for s in used},
                                            "male": {s: totals[s] - totals[s] // 2 for s in used}}}
    for dimension in stats.DIMENSIONS:
        groups.setdefault(dimension, {stats.UNKNOWN: dict(totals)})
    return stats.funnel_from_counts(people=totals, teams={s: n // 4 for s, n in totals.items()},
                                    applications={s: totals[s] // 3 for s in stats.APPLICATION_STAGES},
                                    individual_applications={s: totals[s] // 6 for s in stats.APPLICATION_STAGES},
                                    groups=groups, in_use=used, not_counted={"draft": 3, "withdrawn": 2,
                                                                             "merged": 1},
                                    year=2021, home_country="KG", bands=stats.age_bands())


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_group_names_and_many_rows_stay_on_the_pages(app, world, language):
    event, _organiser = world
    from flask_babel import get_locale

    from hackathon.applications import inclusion

    with app.test_request_context():
        document = build_report(event, big_funnel(), threshold=5, language=language, now=utcnow())
        data = report_pdf(document)
        with force_locale(language):
            names = [get_locale().territories[code] for code in LONG_COUNTRIES]
            notes = [bullet for section in document.sections if section.key == "notes" for bullet in section.bullets]
            heading = str(inclusion.DIMENSION_LABELS["country"])
    runs = check_layout(data, [document.title, *notes])
    pages = {run.page for run in runs}
    assert len(pages) >= 4
    # Every country's whole name is in the group column (read down the column, a wrapped name is whole again).
    from hackathon.applications.report_pdf import MARGIN, PADDING

    mm = 72 / 25.4
    # The group column's text starts past the margin and the cell's padding (paragraphs start at the margin).
    column = squeeze("".join(run.text for run in sorted(
        (r for r in runs if (MARGIN + PADDING) * mm - 0.5 <= r.x0 <= (MARGIN + PADDING + 1.5) * mm),
        key=lambda r: (r.page, -r.top))))
    for name in names:
        assert squeeze(name) in column, name
    # The country table's header row is repeated on the pages it flows onto.
    assert sum(run.text.strip() == heading for run in runs) >= 3


@pytest.mark.parametrize("rows", range(2, 40))
def test_the_last_row_of_a_table_is_never_alone_on_its_page(app, rows):
    """However many rows a table has, the page it ends on holds at least two of them (when it has two)."""
    from hackathon.applications.report import Table
    from hackathon.applications.report_pdf import MARGIN, _table
    from hackathon.results.pdf import _document

    pdf = _document("Rows", orientation="landscape")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 3)
    pdf.add_page()
    pdf.set_y(150)  # part-way down the page, so that some tables fill it exactly
    _table(pdf, Table(header=["Group", "People"], rows=[[f"Row {n}", str(n)] for n in range(rows)],
                      widths=[80, 30], align=["L", "R"]))
    runs = text_runs(bytes(pdf.output()))
    last_page = max(run.page for run in runs)
    on_last_page = [run.text for run in runs if run.page == last_page and run.text.startswith("Row ")]
    assert len(on_last_page) >= 2, (rows, on_last_page)
    assert sorted(int(run.text.split()[1]) for run in runs if run.text.startswith("Row ")) == list(range(rows))


def test_a_table_flowing_onto_a_new_page_says_again_what_its_rows_belong_to(app):
    """The round and dimension columns are filled where they change; the first row of a new page repeats them."""
    from hackathon.applications.report import Table
    from hackathon.applications.report_pdf import MARGIN, _table
    from hackathon.results.pdf import _document

    pdf = _document("Rows", orientation="landscape")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 3)
    pdf.add_page()
    rows = [["Screening" if n == 0 else "", "Country" if n == 0 else "", f"Group {n}", str(n)] for n in range(70)]
    _table(pdf, Table(header=["Round", "Dimension", "Group", "People"], rows=rows, widths=[40, 40, 60, 20],
                      align=["L", "L", "L", "R"], repeat_columns=2))
    runs = text_runs(bytes(pdf.output()))
    pages = sorted({run.page for run in runs})
    assert len(pages) >= 2
    for page in pages:
        texts = [run.text.strip() for run in runs if run.page == page]
        assert "Screening" in texts and "Country" in texts, (page, texts[:8])
    assert sum(run.text.strip() == "Screening" for run in runs) == len(pages)


def test_the_demo_report_size(app):
    """The size of the demo's 2021 report (reported in the closing note): a few dozen kilobytes."""
    from hackathon.demo import load_demo

    load_demo()
    from sqlalchemy import select

    from hackathon.applications.inclusion import load_funnel
    from hackathon.events.models import Event

    event = db.session.scalar(select(Event).where(Event.slug == "develop-my-community-2021"))
    with app.test_request_context():
        funnel = load_funnel(event, now=utcnow())
        for language in LANGUAGES:
            data = report_pdf(build_report(event, funnel, threshold=5, language=language, now=utcnow()))
            check_layout(data, [event.title])
            assert 10_000 < len(data) < 200_000, len(data)


# --- who may download it ------------------------------------------------------------------------------------------

VISITORS = ["anonymous", "stranger", "participant", "mentor", "juror", "reviewer", "other organiser", "organiser",
            "admin"]
MANAGERS = ("organiser", "admin")


def visitor(kind: str, event):
    if kind == "anonymous":
        return None
    user = f.create_user(admin=kind == "admin")
    role = {"participant": Role.participant, "mentor": Role.mentor, "juror": Role.juror, "reviewer": Role.reviewer,
            "organiser": Role.organiser}.get(kind)
    if role is not None:
        f.grant(user, event, role)
    if kind == "other organiser":
        f.grant(user, f.create_event(), Role.organiser)
    return user


@pytest.mark.parametrize("shared", [False, True], ids=["not shared", "shared"])
@pytest.mark.parametrize("kind", VISITORS)
def test_who_may_download_the_report(client, world, kind, shared):
    event, _organiser = world
    if shared:
        share(event)
    user = visitor(kind, event)
    if user is not None:
        sign_in(client, user)
    allowed = shared or kind in MANAGERS
    for path in (PDF, CSV):
        response = client.get(path.format(slug=event.slug, lang="ky"))
        if allowed:
            assert response.status_code == 200
        elif kind == "anonymous":
            assert response.status_code == 302 and response.location.startswith("/login?next=")
        else:
            assert response.status_code == 403
    api = client.get(API.format(slug=event.slug))
    assert api.status_code == (200 if allowed else 401 if kind == "anonymous" else 403)
    if allowed:
        assert api.get_json()["stats"]["exact"] is (kind in MANAGERS)


@pytest.mark.parametrize("kind", VISITORS)
def test_a_hidden_event_is_not_found_for_outsiders_even_when_shared(client, world, kind):
    event, _organiser = world
    event.is_published = False
    share(event)
    user = visitor(kind, event)
    if user is not None:
        sign_in(client, user)
    outsider = kind in ("anonymous", "stranger", "other organiser")
    for path in (PDF, CSV, API):
        assert client.get(path.format(slug=event.slug, lang="en")).status_code == (404 if outsider else 200)


@pytest.mark.parametrize("shared", [False, True], ids=["not shared", "shared"])
@pytest.mark.parametrize("kind", ["anonymous", "participant", "organiser"])
def test_the_event_page_links_the_report_to_whoever_may_download_it(client, world, kind, shared):
    """A shared report is found from the event's own page; one not shared is linked for its organisers only."""
    event, _organiser = world
    if shared:
        share(event)
    user = visitor(kind, event)
    if user is not None:
        sign_in(client, user)
    html = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    linked = f'href="/events/{event.slug}/inclusion/report-en.pdf"' in html
    assert linked is (shared or kind == "organiser"), html[-2500:]
    if linked:
        assert f'href="/events/{event.slug}/inclusion/report-ky.csv"' in html
        assert client.get(f"/events/{event.slug}/inclusion/report-en.pdf").status_code == 200


def test_a_language_the_event_does_not_have_is_not_found(client, world):
    event, organiser = world
    event.languages = ["en"]
    db.session.commit()
    sign_in(client, organiser)
    assert client.get(PDF.format(slug=event.slug, lang="en")).status_code == 200
    for lang in ("ky", "xx", "en.pdf", "x" * 300):
        assert client.get(PDF.format(slug=event.slug, lang=lang)).status_code == 404
        assert client.get(CSV.format(slug=event.slug, lang=lang)).status_code == 404


def test_the_links_name_each_language_of_the_event(app, client, world):
    event, organiser = world
    from flask import render_template_string

    with app.test_request_context():
        from flask_login import login_user

        login_user(organiser)
        html = render_template_string('{% include "inclusion/_report_links.html" %}', event=event)
    for lang in ("en", "ru", "ky"):
        assert f'href="/events/{event.slug}/inclusion/report-{lang}.pdf"' in html
        assert f'href="/events/{event.slug}/inclusion/report-{lang}.csv"' in html
    assert "Кыргызча" in html and "Русский" in html
    with app.test_request_context():
        from flask_login import logout_user

        logout_user()  # a visitor who may not download the report (the report is not shared)
        assert render_template_string('{% include "inclusion/_report_links.html" %}', event=event).strip() == ""


@pytest.mark.parametrize("path", [PDF, CSV, API])
def test_the_query_count_does_not_grow_with_the_event(client, app, path):
    """Downloads cost the same number of queries at 4 and at 24 applicants (aggregates, not a row per person)."""
    from sqlalchemy import event as sa_event

    counts = []
    for size in (4, 24):
        organiser = f.create_user()
        event = f.create_event(organiser=organiser)
        for number in range(size):
            profile = {"gender": Gender.female if number % 3 else Gender.male, "country": ["KG", "KZ", "DE"][number % 3]}
            if number % 4 == 0:
                f.create_team(event, f.create_user(**profile), f.create_user(), application=ApplicationStatus.confirmed)
            else:
                f.create_application(event, f.create_user(**profile), status=ApplicationStatus.submitted)
        sign_in(client, organiser)
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(path.format(slug=event.slug, lang="en"))
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
