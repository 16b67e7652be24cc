"""Every PDF the app makes, checked where its text lies: the certificate of each kind (participation, finalist,
winner with awards) and a team's feedback (several rounds, long juror comments), in en, ru and ky, downloaded
through the real routes from data built here. pypdf gives each text run with its text matrix (and the current
transformation matrix); its width comes from the embedded DejaVu Sans's advances. Every run must lie inside the
page box, no two runs may overlap, and every line people expect must be there (wrapped text is compared with the
whitespace taken out)."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache

import pytest
from sqlalchemy import select

from hackathon.applications.models import Application, ApplicationStatus
from hackathon.database import utcnow
from hackathon.extensions import db
from hackathon.judging.models import JudgingCriterion, JudgingRound, ProjectSource, ScoreSheet, SheetStatus
from hackathon.results.models import Award, Certificate
from hackathon.results.pdf import FONTS
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import add_team
from tests.test_judging import BASE, jury, submitted  # noqa: F401  (the judging world)

LANGUAGES = ("en", "ru", "ky")


# --- where the text lies ----------------------------------------------------------------------------------------


@dataclass
class Run:
    page: int
    text: str
    x0: float
    x1: float
    bottom: float   # baseline minus the descent
    top: float      # baseline plus the ascent
    box: tuple[float, float, float, float]


@cache
def _metrics(bold: bool):
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")))
    return font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm


def _width(text: str, size: float, bold: bool) -> float:
    cmap, hmtx, units = _metrics(bold)
    return max(sum(hmtx[cmap.get(ord(c), ".notdef")][0] for c in line) for line in text.split("\n")) * size / units


def _multiply(a, b):
    """The product of two PDF matrices [a b c d e f] (a applied first)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def text_runs(data: bytes) -> list[Run]:
    from pypdf import PdfReader

    runs: list[Run] = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        box = tuple(float(v) for v in page.mediabox)

        def visit(text, cm, tm, font, size, number=number, box=box):
            if not text.strip():
                return
            matrix = _multiply(tm, cm)  # text space -> user space
            scale = (matrix[0] ** 2 + matrix[1] ** 2) ** 0.5
            assert abs(matrix[1]) < 1e-6 and abs(matrix[2]) < 1e-6, "text is rotated"
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            x, y, em = matrix[4], matrix[5], size * scale
            runs.append(Run(number, text, x, x + _width(text.rstrip("\n"), em, bold),
                            y - 0.24 * em, y + 0.76 * em, box))

        page.extract_text(visitor_text=visit)
    return runs


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_pdf(response, expected: list[str]) -> list[Run]:
    """The PDF downloaded is one whose text runs are inside their page, do not overlap, and hold every expected
    text."""
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return check_layout(response.data, expected)


def check_layout(data: bytes, expected: list[str]) -> list[Run]:
    runs = text_runs(data)
    assert runs
    for run in runs:
        left, bottom, right, top = run.box
        assert left - 0.5 <= run.x0 and run.x1 <= right + 0.5, f"off the page sideways: {run}"
        assert bottom - 0.5 <= run.bottom and run.top <= top + 0.5, f"off the page: {run}"
    for a_index, a in enumerate(runs):
        for b in runs[a_index + 1:]:
            overlap = (a.page == b.page and min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5
                       and min(a.top, b.top) - max(a.bottom, b.bottom) > 1.0)
            assert not overlap, f"overlapping text: {a} and {b}"
    everything = squeeze("".join(run.text for run in sorted(runs, key=lambda r: (r.page, -r.top, r.x0))))
    for line in expected:
        assert squeeze(line) in everything, f"missing: {line!r}"
    return runs


# --- the world: three teams, two rounds, awards, published results, certificates -----------------------------


NAMES = {"en": "Aigerim Zholdoshbekova-Toktogulova Kyzy Mamatkulova Abdyrakhmanova",
         "ru": "Анастасия Владимировна Константинопольская-Преображенская",
         "ky": "Айгерим Жолдошбекова ңөү Токтогулова кызы Абдырахманова Маматкулова"}
TITLE = "A map of the clean water points of every village in the Chui and Issyk-Kul regions, kept by the people there"
AWARDS = [{"en": "First place", "ru": "Первое место", "ky": "Биринчи орун"},
          {"en": "Best inclusion of non-IT members, of women in the regions and of people with disabilities",
           "ru": "Лучшее вовлечение участников без опыта в ИТ, женщин из регионов и людей с инвалидностью",
           "ky": "ИТ тажрыйбасы жок катышуучуларды, аймактардагы аялдарды жана мүмкүнчүлүгү чектелген адамдарды "
                 "эң жакшы тартуу"}]
COMMENTS = [
    "Impressive field work: you visited the villages and talked to the people who use the points every day. "
    "The map is clear, but the pitch spent too long on the technology and too little on who keeps the data up "
    "to date after the hackathon. Think about the village councils, the schools and the water committees; "
    "each of them could own a part of the map. " * 2,
    "Сильная работа с пользователями и понятная карта. Не хватило плана устойчивости: кто будет обновлять "
    "данные через год, сколько это стоит и кто за это платит? Посмотрите на опыт айыл окмоту. " * 3,
    "Абдан жакшы долбоор! Айылдардагы суу түйүндөрүн картага түшүрүү маанилүү. Кийинки кадам — жергиликтүү "
    "жамааттар менен иштешүү жана маалыматты үзгүлтүксүз жаңыртуу. Ийгилик! ң ө ү\nЭкинчи абзац. " * 3,
]


def sheet(round_, juror, project, criteria, value, comment=""):
    db.session.add(ScoreSheet(round_id=round_.id, juror_id=juror.id, submission_id=project.id,
                              status=SheetStatus.submitted, comment_to_team=comment,
                              scores={str(c.id): value for c in criteria}, submitted_at=utcnow()))


@pytest.fixture
def published(jury, make_user, client_for):
    """Taza Suu wins two awards (a place and a long special mention), Clean Air is a finalist, Kelechek took part
    (judged in the screening, not in the final). Two rounds with long comments in three languages; results
    published with ranks and juror names in the feedback; certificates issued."""
    w = jury
    assert len(TITLE) <= 120 and len(NAMES["en"]) <= 120
    w.event.title = "#DevelopMyCommunity 2021 — Bishkek, Osh and Karakol"
    w.users["participant"].name = NAMES["en"]
    w.third_member = make_user(name="Бакыт Асанов")
    w.third_team = add_team(w.event, "Келечек — келечектин балдары", w.third_member,
                            status=ApplicationStatus.confirmed)
    w.team.name = "Таза Суу: чистая вода для каждого айыла"
    for application in db.session.scalars(select(Application).where(Application.event_id == w.event.id)):
        application.status = ApplicationStatus.confirmed
    w.round.name = {"en": "Screening", "ru": "Отбор", "ky": "Тандоо"}
    for criterion, names in zip(w.criteria, ({"ru": "Влияние", "ky": "Таасир"}, {"ru": "Реализуемость"},
                                             {"ky": "Презентация"})):
        criterion.name = {**criterion.name, **names}
    db.session.commit()
    w.project.title = TITLE
    w.third_project = submitted(w.third_team, "Балдар үчүн китепкана")
    jurors = [w.users["juror"], w.users["juror2"], w.users["juror3"]]
    for index, juror in enumerate(jurors):
        sheet(w.round, juror, w.project, w.criteria, 9 - index, COMMENTS[index])
        sheet(w.round, juror, w.other_project, w.criteria, 6 - index, "Good sensors.")
        sheet(w.round, juror, w.third_project, w.criteria, 3, "")
    final = JudgingRound(event_id=w.event.id, position=1, name={"en": "Pitch final", "ru": "Финал", "ky": "Финал"},
                         jurors_per_project=3, project_source=ProjectSource.submissions,
                         opens_at=utcnow() - timedelta(hours=3), closes_at=utcnow() - timedelta(hours=1))
    db.session.add(final)
    db.session.flush()
    criteria = [JudgingCriterion(round_id=final.id, position=0, weight=Decimal(1),
                                 name={"en": "Pitch and answers to the jury's questions",
                                       "ru": "Выступление и ответы на вопросы жюри",
                                       "ky": "Презентация жана калыстардын суроолоруна жооптор"})]
    db.session.add_all(criteria)
    db.session.flush()
    for index, juror in enumerate(jurors):
        sheet(final, juror, w.project, criteria, 10 - index, COMMENTS[(index + 1) % 3])
        sheet(final, juror, w.other_project, criteria, 5, "")
    w.round.closes_at = utcnow() - timedelta(hours=4)
    db.session.commit()
    w.final = final

    organiser = client_for(w.users["organiser"])
    organiser.post(BASE + "/results/settings", data={"show_rank_in_feedback": "y", "show_juror_names": "y"})
    for award, data in zip(AWARDS, ({"kind": "place", "place": "1"}, {"kind": "special"})):
        organiser.post(BASE + "/results/awards", data={**data, **{f"name_{k}": v for k, v in award.items()}})
    for award in db.session.scalars(select(Award).order_by(Award.position)):
        organiser.post(BASE + f"/results/awards/{award.id}/decide", data={"project": [w.project.id]})
    organiser.post(BASE + "/results/publish", data={"confirm": "y"})
    organiser.post(BASE + "/results/certificates", data={})
    certificates = {c.user_id: c for c in db.session.scalars(select(Certificate))}
    assert {certificates[w.users[n].id].kind for n in ("participant", "teammate")} == {"winner"}
    assert certificates[w.users["other_participant"].id].kind == "finalist"
    assert certificates[w.third_member.id].kind == "participation"
    w.certificates = certificates
    return w


def as_reader(w, client_for, user, language):
    user.locale = language
    if user is w.users["participant"]:
        user.name = NAMES[language]
    db.session.commit()
    return client_for(user)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("who, kind", [("participant", "winner"), ("other_participant", "finalist"),
                                       ("third", "participation")])
def test_certificates_hold_every_line_inside_the_page(published, client_for, app, language, who, kind):
    from flask import url_for
    from flask_babel import force_locale
    from flask_babel import gettext as _

    w = published
    user = w.third_member if who == "third" else w.users[who]
    client = as_reader(w, client_for, user, language)
    certificate = w.certificates[user.id]
    team = {"participant": w.team, "other_participant": w.other_team, "third": w.third_team}[who]
    project = {"participant": w.project, "other_participant": w.other_project, "third": w.third_project}[who]
    with app.test_request_context():
        link = url_for("results.verify_certificate", code=certificate.code, _external=True)
    expected = [user.name, w.event.title, team.name, project.title, link]
    with force_locale(language):
        expected.append({"winner": _("Certificate of achievement"), "finalist": _("Certificate of a finalist"),
                         "participation": _("Certificate of participation")}[kind])
        if kind == "finalist":
            expected.append(_("and pitched in the final"))
    if kind == "winner":
        expected += [award[language] for award in AWARDS]
    runs = check_pdf(client.get(BASE + "/results/certificate.pdf"), expected)
    assert {run.page for run in runs} == {0}  # one page
    # The link on the certificate opens its verification page.
    assert client_for(None).get(f"/certificates/{certificate.code}").status_code == 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_feedback_holds_every_comment_inside_the_pages(published, client_for, language):
    w = published
    client = as_reader(w, client_for, w.users["teammate"], language)
    expected = [w.event.title, w.team.name, w.project.title, w.round.name[language], w.final.name[language],
                AWARDS[0][language], AWARDS[1][language], "Juror Two", "Juror Three"]
    expected += [c.name.get(language) or c.name["en"] for c in w.criteria]
    expected += COMMENTS
    runs = check_pdf(client.get(BASE + f"/results/feedback/{w.team.id}.pdf"), expected)
    assert len({run.page for run in runs}) >= 2  # the comments flow onto a second page
    # Another team's feedback has no comments in the final and says so.
    other = as_reader(w, client_for, w.users["other_participant"], language)
    check_pdf(other.get(BASE + f"/results/feedback/{w.other_team.id}.pdf"), [w.other_team.name, "Good sensors."])


def test_the_position_check_catches_text_off_the_page():
    """The check itself: a run placed past the right edge (as the certificate lines once were) is caught."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 15)
    pdf.multi_cell(pdf.epw, 9, "took part", align="C")
    pdf.multi_cell(pdf.epw, 9, "with the team", align="C")  # the cursor was left at the right margin
    with pytest.raises(AssertionError, match="off the page sideways"):
        check_layout(bytes(pdf.output()), ["took part", "with the team"])


def test_a_certificate_with_the_longest_texts_allowed_still_fits_its_page():
    """Names, event titles, team names, project titles and award names at their maximum lengths, six awards:
    the certificate shrinks its type and keeps every line on its one page, clear of the foot."""
    from hackathon.accounts.models import NAME_MAX
    from hackathon.events.models import TITLE_MAX as EVENT_TITLE_MAX
    from hackathon.results.pdf import CertificateDocument, certificate_pdf
    from hackathon.submissions.models import TITLE_MAX
    from hackathon.teams.models import TEAM_NAME_MAX

    def long(words: str, size: int) -> str:
        return (words * size)[:size].strip()

    name, event = long("Жолдошбекова Айгерим ", NAME_MAX), long("Хакатон Өнүктүр ", EVENT_TITLE_MAX)
    team, title = long("Таза Суу ", TEAM_NAME_MAX), long("Карта ңөү water ", TITLE_MAX)
    awards = [f"and won: {long(f'Award {n} of the jury ', 120)}" for n in range(6)]
    lines = [f"took part in {event}", f"with the team “{team}”: {title}"] + awards
    verify = "Check this certificate at https://hackathon.example.org/certificates/" + "x" * 24
    data = certificate_pdf(CertificateDocument(title=long("Certificate of achievement ", 60), name=name,
                                               lines=lines, issued="Issued on 10 July 2021", verify=verify))
    runs = check_layout(data, [name, *lines, verify])
    assert {run.page for run in runs} == {0}
