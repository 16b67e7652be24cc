"""The demo: a site admin, organisers, mentors, jurors, applicants and two events with their applications. Idempotent.

`develop-my-community-2021` (over) gets the real case: about 80 applications from about 200 people of every
age from 18 to 62, every region and the diaspora, IT and non-IT mixed, 34 teams accepted and confirmed (their
members hold the participant role), the others rejected, waitlisted or withdrawn, a few individuals merged into
teams. `develop-my-community-2027` (applications open) gets drafts, submitted individuals, a person looking for a
team and a team with pending invitations. A third event, `develop-my-community-live` (hackathon/demo_live.py),
sits in the middle of hacking relative to `now`; a later run moves its dates forward. The models are written
directly, keeping every invariant the services keep (member_count, one team per person, merged applications,
participant roles, name keys).
A second run adds nothing: people are found by email, and an event that has demo applications is left alone.
The 2021 event also gets its mentoring: ten mentors with profiles, a mentor for each confirmed team (mentor1 for
applicant1's "Taza Suu"), milestones, a rubric, check-ins and reviews, two datathon challenges and help requests;
an event with mentor profiles is left alone.
Each of its 34 teams then has a submitted project (titles and descriptions in English, Russian or Kyrgyz, two or
three saved versions, eight with a generated pitch deck and screenshot, two submitted late under an extension);
an event with submissions is left alone.
"""
from __future__ import annotations

import hashlib
import random
import re
import secrets
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hackathon.accounts.models import Background, Gender, User
from hackathon.accounts.services import hash_password
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationSettings,
                                           ApplicationStatus, QuestionKind)
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamInvitation, TeamInvitationKind, TeamMember, team_name_key

DEMO_PASSWORD = "hackathon-demo"
DEMO_DOMAIN = "@demo.test"
BISHKEK = ZoneInfo("Asia/Bishkek")

PEOPLE = [
    # email, name, locale, year of birth, gender, region, country, background, skills, organisation
    ("admin@demo.test", "Aida Admin", "en", 1985, Gender.female, "bishkek", "KG", Background.it,
     ["operations"], "Demo Foundation"),
    ("organiser@demo.test", "Nurlan Organiser", "ru", 1988, Gender.male, "bishkek", "KG", Background.non_it,
     ["community building"], "UNDP Accelerator Lab"),
    ("mentor1@demo.test", "Aigerim Mentor", "ky", 1990, Gender.female, "osh_city", "KG", Background.it,
     ["data science", "python"], "Data Lab KG"),
    ("mentor2@demo.test", "Bakyt Mentor", "ru", 1982, Gender.male, "chuy", "KG", Background.non_it,
     ["civic participation", "public policy"], "Civic Initiative"),
    ("mentor3@demo.test", "Elena Mentor", "en", 1979, Gender.female, "abroad", "DE", Background.it,
     ["product design"], "Diaspora Tech"),
    ("juror1@demo.test", "Kanat Juror", "ru", 1975, Gender.male, "bishkek", "KG", Background.non_it,
     ["impact investment"], "Regional Development Fund"),
    ("juror2@demo.test", "Gulnara Juror", "ky", 1983, Gender.female, "naryn", "KG", Background.it,
     ["e-government"], "Ministry of Digital Development"),
    ("juror3@demo.test", "Tom Juror", "en", 1970, Gender.male, "abroad", "GB", Background.it,
     ["venture building"], "Open Data Institute"),
]
REGIONS = ["bishkek", "osh_city", "batken", "chuy", "issyk_kul", "jalal_abad", "naryn", "osh", "talas", "abroad"]
FIRST_NAMES = ["Aibek", "Aizada", "Bermet", "Chyngyz", "Dinara", "Emil", "Jyldyz", "Kairat", "Meerim", "Nurbek",
               "Saltanat", "Timur", "Umut", "Zarina", "Adilet", "Begimai", "Ermek", "Kamila", "Talgat", "Asel"]
SKILLS = [["python", "data analysis"], ["agronomy"], ["journalism"], ["javascript", "web"], ["teaching"],
          ["design", "figma"], ["public health"], ["accounting"], ["mobile apps"], ["social work"]]

DMC_TRACKS = [
    ("Citizen-empowered community development",
     "Tools that let residents plan, fund and monitor improvements in their own village or district."),
    ("Civic participation", "Ways for citizens to take part in local decisions and hold local government to account."),
    ("Diaspora engagement", "Connecting Kyrgyzstan's diaspora with home communities: skills, investment, mentoring."),
    ("Digital skills for rural youth", "Helping young people in rural regions learn and earn with digital skills."),
]


def _bishkek(*args: int) -> datetime:
    return datetime(*args, tzinfo=BISHKEK).astimezone(timezone.utc)


class _People:
    """Demo accounts by email, read in one query; missing ones are created with the shared password hash."""

    def __init__(self, password_hash: str):
        self.password_hash = password_hash
        self.by_email = {user.email: user for user in db.session.scalars(
            select(User).where(User.email.like(f"%{DEMO_DOMAIN}")))}

    def get(self, email: str, name: str, **profile) -> User:
        user = self.by_email.get(email)
        if user is None:
            user = User(email=email, name=name, password_hash=self.password_hash, email_confirmed_at=utcnow(),
                        **profile)
            db.session.add(user)
            self.by_email[email] = user
        return user


def _role(user: User, event: Event, role: Role) -> None:
    exists = db.session.scalar(select(EventRole.id).where(
        EventRole.user_id == user.id, EventRole.event_id == event.id, EventRole.role == role))
    if not exists:
        db.session.add(EventRole(user_id=user.id, event_id=event.id, role=role))


def _event(slug: str, **values) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        event = Event(slug=slug, **values)
        db.session.add(event)
        db.session.flush()
    return event

# --- the people who apply ------------------------------------------------------------------------------------

NAMES = {
    "female": {
        "cyrillic": ["Айгерим", "Бермет", "Жылдыз", "Нургуль", "Асель", "Динара", "Мээрим", "Салтанат", "Камила",
                     "Айпери", "Гульзат", "Чолпон", "Элнура", "Анара", "Анна", "Елена", "Назира", "Каныкей"],
        "latin": ["Aigerim", "Bermet", "Aizhan", "Elnura", "Cholpon", "Aliya", "Nazira", "Kanykei", "Sezim",
                  "Aruuke", "Meerim", "Asel"],
    },
    "male": {
        "cyrillic": ["Азамат", "Бакыт", "Эрлан", "Нурлан", "Тимур", "Руслан", "Чынгыз", "Адилет", "Улан", "Марат",
                     "Данияр", "Эмиль", "Сергей", "Бекзат", "Эрмек", "Айбек"],
        "latin": ["Azamat", "Daniyar", "Kanybek", "Ulan", "Bektur", "Aibek", "Eldiyar", "Temirlan", "Nursultan",
                  "Aidar", "Timur", "Ermek"],
    },
}
SURNAMES = {
    "cyrillic": ["Токтогул", "Садык", "Абдыкадыр", "Осмонали", "Жумабек", "Мамыт", "Асан", "Бекмурат", "Турдубай",
                 "Исак", "Кадыр", "Орозбек", "Сатыбалди", "Момун"],
    "latin": ["Toktogul", "Sadyk", "Abdykadyr", "Osmonali", "Zhumabek", "Mamyt", "Asan", "Bekmurat", "Turdubai",
              "Isak", "Kadyr", "Orozbek", "Satybaldi", "Momun"],
}
# (value, weight) tables for the generated profiles.
REGION_WEIGHTS = [("bishkek", 27), ("osh_city", 10), ("chuy", 10), ("batken", 6), ("issyk_kul", 6),
                  ("jalal_abad", 7), ("naryn", 6), ("osh", 7), ("talas", 6), ("abroad", 11), (None, 3)]
ABROAD = ["RU", "RU", "RU", "TR", "TR", "US", "DE", "KZ", "KZ", "KR", "GB"]
AGE_WEIGHTS = [((18, 24), 36), ((25, 34), 34), ((35, 44), 16), ((45, 54), 9), ((55, 62), 5)]
GENDER_WEIGHTS = [(Gender.female, 48), (Gender.male, 45), (Gender.other, 1), (Gender.undisclosed, 3), (None, 3)]
BACKGROUND_WEIGHTS = [(Background.it, 45), (Background.non_it, 50), (None, 5)]
FIRST_TIMER_WEIGHTS = [(True, 58), (False, 37), (None, 5)]
LOCALE_WEIGHTS = [("ky", 35), ("ru", 45), ("en", 20)]
IT_SKILLS = ["python", "javascript", "data analysis", "mobile apps", "design", "figma", "GIS", "1C", "SQL",
             "machine learning", "web"]
NON_IT_SKILLS = ["agronomy", "journalism", "teaching", "public health", "accounting", "social work", "law",
                 "community organising", "tourism", "video", "marketing", "public policy"]
ORGANISATIONS = ["KSTU", "AUCA", "Osh State University", "Naryn State University", "Ayil okmotu", "Local NGO",
                 "Freelance", "School No. 5", "Talas Youth Centre", None, None, None]
GENERATED = 200  # participant001..participant200


def _pick(rng: random.Random, table: list):
    values, weights = zip(*table)
    return rng.choices(values, weights)[0]


def _generated_profile(number: int, rng: random.Random) -> tuple[str, str, dict]:
    """A plausible applicant: ages 18-62 in 2021 (the first two at the very ends), every region, the diaspora."""
    if number == 1:
        age = 18
    elif number == 2:
        age = 62
    else:
        low, high = _pick(rng, AGE_WEIGHTS)
        age = rng.randint(low, high)
    region = _pick(rng, REGION_WEIGHTS)
    country = rng.choice(ABROAD) if region == "abroad" else ("KG" if region and rng.random() > 0.05 else None)
    gender = _pick(rng, GENDER_WEIGHTS)
    background = _pick(rng, BACKGROUND_WEIGHTS)
    locale = "en" if region == "abroad" and rng.random() < 0.5 else _pick(rng, LOCALE_WEIGHTS)
    script = "latin" if locale == "en" or rng.random() < 0.25 else "cyrillic"
    form = gender.value if gender in (Gender.female, Gender.male) else rng.choice(["female", "male"])
    first = rng.choice(NAMES[form][script])
    surname = rng.choice(SURNAMES[script])
    if script == "cyrillic" and rng.random() < 0.15:
        name = f"{first} {surname} {'кызы' if form == 'female' else 'уулу'}"
    elif script == "cyrillic":
        name = f"{first} {surname}{'ова' if form == 'female' else 'ов'}"
    else:
        name = f"{first} {surname}{'ova' if form == 'female' else 'ov'}"
    pool = IT_SKILLS if background == Background.it else NON_IT_SKILLS
    profile = dict(
        locale=locale, year_of_birth=2021 - age, gender=gender, region=region, country=country,
        background=background, skills=rng.sample(pool, rng.randint(1, 3)), organisation=rng.choice(ORGANISATIONS),
        first_hackathon=_pick(rng, FIRST_TIMER_WEIGHTS),
    )
    return f"participant{number:03d}{DEMO_DOMAIN}", name, profile


# --- the application form ----------------------------------------------------------------------------------

CONSENT = {
    "en": "I agree that the UNDP Accelerator Lab in Kyrgyzstan stores my application and profile to run "
          "#DevelopMyCommunity, shares them with the event's reviewers and mentors, and publishes only statistics "
          "that name nobody. My data is deleted one year after the event.",
    "ru": "Я согласен(на), что Лаборатория инноваций ПРООН в Кыргызстане хранит мою заявку и профиль для "
          "проведения #DevelopMyCommunity, передаёт их рецензентам и менторам мероприятия и публикует только "
          "обезличенную статистику. Мои данные удаляются через год после мероприятия.",
    "ky": "ПРООНдун Кыргызстандагы инновациялар лабораториясы менин арызымды жана профилимди #DevelopMyCommunity "
          "өткөрүү үчүн сактоосуна, иш-чаранын сынчыларына жана менторлоруна берүүсүнө жана аты-жөнү жок "
          "статистиканы гана жарыялоосуна макулмун. Менин маалыматтарым иш-чарадан бир жыл өткөндөн кийин өчүрүлөт.",
}
QUESTIONS = [
    dict(kind=QuestionKind.single_choice, required=True, key="heard",
         label={"en": "How did you hear about #DevelopMyCommunity?",
                "ru": "Откуда вы узнали о #DevelopMyCommunity?",
                "ky": "#DevelopMyCommunity жөнүндө кайдан билдиңиз?"},
         options=[
             {"value": "social", "label": {"en": "Social media", "ru": "Социальные сети",
                                           "ky": "Социалдык тармактар"}},
             {"value": "friends", "label": {"en": "Friends or colleagues", "ru": "Друзья или коллеги",
                                            "ky": "Досторум же кесиптештерим"}},
             {"value": "university", "label": {"en": "University or school", "ru": "Университет или школа",
                                               "ky": "Университет же мектеп"}},
             {"value": "ngo", "label": {"en": "An NGO or the local government", "ru": "НКО или местное самоуправление",
                                        "ky": "КЕУ же жергиликтүү өз алдынча башкаруу"}},
         ]),
    dict(kind=QuestionKind.multiple_choice, required=False, key="issues",
         label={"en": "Which issues matter most in your community?",
                "ru": "Какие проблемы важнее всего для вашего сообщества?",
                "ky": "Жамаатыңыз үчүн кайсы маселелер эң маанилүү?"},
         options=[
             {"value": "water", "label": {"en": "Drinking water", "ru": "Питьевая вода", "ky": "Ичүүчү суу"}},
             {"value": "roads", "label": {"en": "Roads and transport", "ru": "Дороги и транспорт",
                                          "ky": "Жолдор жана транспорт"}},
             {"value": "education", "label": {"en": "Education", "ru": "Образование", "ky": "Билим берүү"}},
             {"value": "health", "label": {"en": "Health", "ru": "Здравоохранение", "ky": "Саламаттык сактоо"}},
             {"value": "jobs", "label": {"en": "Jobs and income", "ru": "Работа и доход",
                                         "ky": "Жумуш жана киреше"}},
             {"value": "waste", "label": {"en": "Waste and environment", "ru": "Мусор и экология",
                                          "ky": "Таштанды жана экология"}},
         ]),
    dict(kind=QuestionKind.yes_no, required=True, key="accommodation",
         label={"en": "Do you need accommodation in Bishkek during the hackathon?",
                "ru": "Нужно ли вам жильё в Бишкеке на время хакатона?",
                "ky": "Хакатон учурунда Бишкекте жашай турган жай керекпи?"},
         help_text={"en": "Participants from the regions and abroad get a place in a hostel.",
                    "ru": "Участникам из регионов и из-за рубежа мы предоставляем место в хостеле.",
                    "ky": "Региондордон жана чет өлкөдөн келген катышуучуларга хостелден орун берилет."}),
    dict(kind=QuestionKind.long_text, required=False, key="change",
         label={"en": "What would you like to change in your community, and why?",
                "ru": "Что вы хотели бы изменить в своём сообществе и почему?",
                "ky": "Жамаатыңызда эмнени өзгөрткүңүз келет жана эмне үчүн?"},
         help_text={"en": "A few sentences are enough.", "ru": "Достаточно нескольких предложений.",
                    "ky": "Бир нече сүйлөм жетиштүү."}),
]
CHANGE_ANSWERS = {
    "en": ["Young people leave our village because there is no work; I want them to see they can build something here.",
           "Our school has no heating plan and no budget data. I want parents to see where the money goes.",
           "Water comes twice a week and nobody knows when. A simple schedule would end many quarrels."],
    "ru": ["Хочу, чтобы жители сами видели, на что тратится бюджет айыл окмоту.",
           "В нашем районе молодёжи негде учиться цифровым навыкам — хочу это изменить.",
           "Мусор вывозят нерегулярно; нужна понятная карта и график."],
    "ky": ["Айылыбыздагы жаштар үчүн санариптик билим алуу мүмкүнчүлүгүн түзгүм келет.",
           "Ичүүчү суу маселесин жамаат менен бирге чечүүнү каалайм.",
           "Жергиликтүү кеңештин чечимдери ачык болушу керек деп ойлойм."],
}


def _settings(event: Event, max_teams: int) -> list[ApplicationQuestion]:
    """The event's application form (created once): consent in three languages, minimum age, four questions."""
    settings = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == event.id))
    questions = list(db.session.scalars(select(ApplicationQuestion).where(ApplicationQuestion.event_id == event.id)
                                        .order_by(ApplicationQuestion.position, ApplicationQuestion.id)))
    if settings is None:
        db.session.add(ApplicationSettings(event_id=event.id, allow_individuals=True, allow_teams=True, minimum_age=18,
                                           consent_text=CONSENT, max_accepted_teams=max_teams, confirmation_days=7))
        if not questions:
            for position, spec in enumerate(QUESTIONS, start=1):
                question = ApplicationQuestion(event_id=event.id, position=position, kind=spec["kind"],
                                               required=spec["required"], label=spec["label"],
                                               help_text=spec.get("help_text", {}), options=spec.get("options", []))
                db.session.add(question)
                questions.append(question)
            db.session.flush()
    return questions


def _answers(questions: list[ApplicationQuestion], locale: str, rng: random.Random, *, complete: bool = True) -> dict:
    """Answers keyed by question id (as a string), of each question's kind; a draft leaves some out."""
    answers: dict = {}
    for question in questions:
        if not complete and not question.required:
            continue
        values = [option["value"] for option in question.options]
        if question.kind == QuestionKind.single_choice and values:
            answers[str(question.id)] = rng.choice(values)
        elif question.kind == QuestionKind.multiple_choice and values:
            answers[str(question.id)] = sorted(rng.sample(values, rng.randint(1, 3)), key=values.index)
        elif question.kind == QuestionKind.yes_no:
            answers[str(question.id)] = rng.random() < 0.4
        elif question.kind == QuestionKind.long_text:
            answers[str(question.id)] = rng.choice(CHANGE_ANSWERS.get(locale, CHANGE_ANSWERS["en"]))
        elif question.kind == QuestionKind.number:
            answers[str(question.id)] = rng.randint(question.min_value or 0, question.max_value or 10)
    return answers


# --- teams ---------------------------------------------------------------------------------------------------

# (name, track number as in DMC_TRACKS, idea). The first 34 are accepted and confirmed at the 2021 event.
TEAMS_2021 = [
    ("Taza Suu", 0, "Villagers report broken water pipes by SMS; the ayil okmotu sees a repair map and residents "
                    "follow every fix."),
    ("Айыл Tech", 3, "Weekend coding clubs run by students for school children in Naryn villages, with offline "
                     "lessons in Kyrgyz."),
    ("Budget Watch KG", 1, "Each village's budget and spending on one page, and residents vote on next year's "
                           "priorities."),
    ("Мекен Bridge", 2, "Matches diaspora professionals in Russia and Türkiye with rural schools for monthly online "
                        "career talks."),
    ("Jashyl Kyrgyzstan", 0, "A map of illegal dumps reported with photos, and clean-up days organised around it."),
    ("Эл Үнү", 1, "A Telegram bot that turns residents' complaints into formal requests to the local council and "
                  "tracks the answers."),
    ("Kök-Jar Data", 0, "Open data on school buildings and roads so that communities argue for repairs with numbers."),
    ("Jolborstor", 3, "Paid micro-tasks (data labelling, translation into Kyrgyz) for young people in Batken, "
                      "learned in two weeks."),
    ("Ала-Тоо Connect", 2, "Crowdfunding for village projects from the diaspora, with receipts and photos for every "
                           "som spent."),
    ("SmartAiyl", 0, "A shared calendar of irrigation turns that replaces disputes with a fair, visible schedule."),
    ("Жаштар Hub", 3, "A mobile media school: teenagers in Talas film and publish local news from their phones."),
    ("Open Kenesh", 1, "Agendas and voting records of local councils, readable on any phone."),
    ("Diaspora Mentors", 2, "Kyrgyz doctors and engineers abroad mentor students at home in short video calls."),
    ("Boz Uy Labs", 0, "Women's felt cooperatives sell online and share the income transparently."),
    ("Чолпон", 3, "A free Kyrgyz-language course on spreadsheets and online safety for village youth centres."),
    ("Ак Жол", 0, "Residents rate rural roads so that the district sees where repairs matter most."),
    ("Civic Compass", 1, "Shows which public services exist in your district and how to ask for them."),
    ("Kairat Coders", 3, "Remote internships for rural graduates with Bishkek IT companies, mentored from abroad."),
    ("Nomad Skills", 2, "A directory of diaspora skills that village councils search when they need an expert."),
    ("Бирге", 0, "Neighbourhood micro-grants voted by residents, with a public board of proposals and results."),
    ("Ysyk-Köl Green", 0, "Guesthouses and villagers share waste collection rounds to keep the lake shore clean."),
    ("Ashar Online", 0, "The ashar tradition online: neighbours sign up to help build or repair a house or a school."),
    ("Talas Youth Lab", 3, "Robotics kits shared between the schools of Talas region, with lessons for teachers."),
    ("Народный контроль", 1, "Жители фотографируют общественные работы и сравнивают их с контрактом; расхождения "
                             "уходят на горячую линию."),
    ("Sister Cities KG", 2, "Pairs diaspora communities in Moscow, Istanbul and Seoul with their home towns."),
    ("Data Kelechek", 3, "Data literacy workshops for girls in Osh, ending with a small study of their own school."),
    ("Jer Ene", 0, "Soil and harvest advice by SMS in Kyrgyz for smallholder farmers."),
    ("Эркин Пикир", 1, "Безопасные анонимные опросы молодёжи для местной молодёжной политики."),
    ("Kel-Kel", 2, "Helps returning migrants find jobs and start small businesses at home."),
    ("Osh Makers", 3, "A makerspace network sharing 3D printers between schools in Osh."),
    ("Суу Булагы", 0, "A logbook for village water reservoirs so that shortages are announced a week ahead."),
    ("Uluu Jol", 1, "An accessible map of public offices for people with disabilities, reviewed by its users."),
    ("TechAyim", 3, "An online coding course for young mothers in the regions, with childcare-friendly hours."),
    ("Meken Invest", 2, "Diaspora members co-invest in local small businesses with clear shares and reports."),
    # Not accepted: rejected, waitlisted, withdrawn.
    ("Jamaat Map", 0, "Residents map community halls, sports grounds and wells, and who looks after each."),
    ("Ачык Айыл", 1, "Village assembly decisions shared as short audio messages for people who do not read well."),
    ("Batken Bloggers", 3, "Rural youth learn to run social media for local businesses and NGOs."),
    ("Kyrgyz Abroad Network", 2, "A mentoring app that connects students with diaspora professionals by field."),
    ("Tazalyk", 0, "Composting at Jalal-Abad bazaars with points for vendors."),
    ("Jarandar", 1, "Petitions to local councils with a signature threshold and a public deadline for the answer."),
    ("Кыял", 3, "Digital art and design courses for teenagers in Naryn, taught online by volunteers."),
    ("Sunkar Team", 0, "Mapping avalanche and mudflow risks with the residents of mountain villages."),
    ("Mektep+", 3, "Parents and teachers list school needs (heating, books, computers) for donors to fill."),
    ("Köpür", 2, "Remote consultations between diaspora doctors and regional hospitals."),
    ("Үмүт", 1, "Elderly people ask youth volunteers for help with public services."),
    ("Green Osh", 0, "Tree planting and watering rounds shared by schools and neighbourhoods in Osh."),
]
CONFIRMED_TEAMS = 34
# Team sizes (the event allows 2-6), cycled over the teams.
CONFIRMED_SIZES = [4, 5, 3, 4, 6, 4, 3, 5, 4, 4, 2, 5]
OTHER_TEAM_STATUSES = ([ApplicationStatus.rejected] * 5 + [ApplicationStatus.waitlisted] * 4
                       + [ApplicationStatus.withdrawn] * 3)
OTHER_SIZES = [3, 2, 4, 3, 2, 3, 4, 2, 3, 3, 2, 4]
# Individual applications that were not accepted, and how many individuals later joined a confirmed team.
INDIVIDUAL_STATUSES = ([ApplicationStatus.rejected] * 20 + [ApplicationStatus.waitlisted] * 13
                       + [ApplicationStatus.withdrawn] * 5)
MERGED_INDIVIDUALS = 5
REJECTION_REASONS = ["The idea did not show a clear link to a community.",
                     "We had many strong teams in this track; please apply again next year.", None]


def _new_team(event: Event, name: str, track: Track | None, idea: str, members: list[User], *,
              looking: bool = False, wanted: list[str] | None = None, at: datetime | None = None) -> Team:
    """A team with its members; the first member is the captain; member_count equals the members added."""
    team = Team(event_id=event.id, name=name, name_key=team_name_key(name), track_id=track.id if track else None,
                idea=idea, captain_id=members[0].id, join_code=secrets.token_urlsafe(9),
                looking_for_members=looking, wanted_skills=wanted or [], member_count=len(members))
    if at is not None:
        team.created_at = team.updated_at = at
    db.session.add(team)
    db.session.flush()
    for offset, member in enumerate(members):
        db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=member.id,
                                  joined_at=(at or utcnow()) + timedelta(hours=offset)))
    return team


def _application(event: Event, user: User, *, team: Team | None = None, status: ApplicationStatus,
                 answers: dict, submitted_at: datetime | None = None, **values) -> Application:
    application = Application(
        event_id=event.id, kind=ApplicationKind.team if team else ApplicationKind.individual, user_id=user.id,
        individual_user_id=None if team else user.id, team_id=team.id if team else None, status=status,
        answers=answers, submitted_at=submitted_at, consent_at=submitted_at, **values,
    )
    application.created_at = application.updated_at = (submitted_at or utcnow()) - timedelta(hours=5)
    db.session.add(application)
    return application


def _has_demo_applications(event: Event) -> bool:
    return db.session.scalar(
        select(Application.id).join(User, User.id == Application.user_id)
        .where(Application.event_id == event.id, User.email.like(f"%{DEMO_DOMAIN}")).limit(1)
    ) is not None


def _fill_2021(event: Event, organiser: User, applicant1: User, pool: list[User]) -> None:
    """34 confirmed teams (participants), 12 other teams, 38 individual applications, 5 merged individuals."""
    rng = random.Random(2021)
    questions = _settings(event, max_teams=CONFIRMED_TEAMS)
    tracks = list(event.tracks)
    it = [user for user in pool if user.background == Background.it]
    others = [user for user in pool if user.background != Background.it]
    rng.shuffle(it)
    rng.shuffle(others)

    def take(count: int) -> list[User]:
        """Members that mix IT and non-IT people, alternating from the two piles."""
        chosen = []
        it_first = rng.random() < 0.5
        for index in range(count):
            piles = (it, others) if (index % 2 == 0) == it_first else (others, it)
            chosen.append((piles[0] or piles[1]).pop())
        return chosen

    opens = _bishkek(2021, 6, 1, 9, 0)
    decided = _bishkek(2021, 6, 24, 12, 0)

    def submitted() -> datetime:
        return opens + timedelta(minutes=rng.randint(60, 19 * 24 * 60))

    participants: list[User] = []
    merged: list[User] = []
    for index, (name, track_number, idea) in enumerate(TEAMS_2021):
        confirmed = index < CONFIRMED_TEAMS
        size = CONFIRMED_SIZES[index % len(CONFIRMED_SIZES)] if confirmed else OTHER_SIZES[index - CONFIRMED_TEAMS]
        # The demo login applicant1 is a realistic participant: a member of the first team, not its captain.
        members = take(size - 1) + [applicant1] if index == 0 else take(size)
        at = submitted()
        team = _new_team(event, name, tracks[track_number] if track_number < len(tracks) else None, idea, members,
                         at=at - timedelta(days=2))
        captain = members[0]
        answers = _answers(questions, captain.locale or "en", rng)
        if confirmed:
            _application(event, captain, team=team, status=ApplicationStatus.confirmed, answers=answers,
                         submitted_at=at, decided_at=decided, decided_by_id=organiser.id,
                         confirm_by=decided + timedelta(days=7),
                         confirmed_at=decided + timedelta(hours=rng.randint(2, 120)))
            participants.extend(members)
            if len(merged) < MERGED_INDIVIDUALS and len(members) > 2:
                merged.append(members[1])
        else:
            status = OTHER_TEAM_STATUSES[index - CONFIRMED_TEAMS]
            _application(event, captain, team=team, status=status, answers=answers, submitted_at=at,
                         **_decision(status, organiser, decided, rng, index))
    for user in merged:  # applied alone first, then joined a team: the team's application covers them
        _application(event, user, status=ApplicationStatus.merged, answers=_answers(questions, user.locale, rng),
                     submitted_at=opens + timedelta(days=1, hours=rng.randint(0, 48)))
    for index, status in enumerate(INDIVIDUAL_STATUSES):
        user = take(1)[0]
        _application(event, user, status=status, answers=_answers(questions, user.locale or "en", rng),
                     submitted_at=submitted(), looking_for_team=index % 3 == 0,
                     **_decision(status, organiser, decided, rng, index))
    for user in participants:
        db.session.add(EventRole(user_id=user.id, event_id=event.id, role=Role.participant))


def _decision(status: ApplicationStatus, organiser: User, decided: datetime, rng: random.Random,
              index: int) -> dict:
    if status == ApplicationStatus.withdrawn:
        return {}
    values = {"decided_at": decided, "decided_by_id": organiser.id}
    if status == ApplicationStatus.waitlisted:
        values["waitlist_rank"] = index + 1
    if status == ApplicationStatus.rejected:
        values["decision_reason"] = rng.choice(REJECTION_REASONS)
    return values


def _fill_upcoming(event: Event, people: dict[str, User], now: datetime) -> None:
    """Applications open: drafts, submitted individuals, a person looking for a team, a team inviting people."""
    rng = random.Random(2027)
    questions = _settings(event, max_teams=30)
    tracks = list(event.tracks)
    applicant = {number: people[f"applicant{number}{DEMO_DOMAIN}"] for number in range(1, 21)}
    earlier = now - timedelta(days=2)
    for number in (2, 9, 10):  # drafts: saved, not submitted
        _application(event, applicant[number], status=ApplicationStatus.draft,
                     answers=_answers(questions, applicant[number].locale, rng, complete=False))
    _application(event, applicant[5], status=ApplicationStatus.submitted, submitted_at=earlier,
                 answers=_answers(questions, applicant[5].locale, rng))
    # Looking for a team, and has asked to join one.
    _application(event, applicant[3], status=ApplicationStatus.submitted, submitted_at=earlier, looking_for_team=True,
                 answers=_answers(questions, applicant[3].locale, rng))
    team = _new_team(event, "Жаңы Муун", tracks[0] if tracks else None,
                     "Young people in Osh region map what their villages need and present it to the ayil okmotu.",
                     [applicant[4], applicant[7]], looking=True, wanted=["design", "agronomy"], at=earlier)
    _application(event, applicant[4], team=team, status=ApplicationStatus.draft,
                 answers=_answers(questions, applicant[4].locale, rng, complete=False))
    expires = now + timedelta(days=7)
    invitations = [
        TeamInvitation(event_id=event.id, team_id=team.id, kind=TeamInvitationKind.invite, email=applicant[8].email,
                       user_id=applicant[8].id, created_by_id=applicant[4].id, expires_at=expires,
                       message="We need someone who knows farming. Join us?"),
        TeamInvitation(event_id=event.id, team_id=team.id, kind=TeamInvitationKind.invite,
                       email="friend.of.applicant4@example.org", created_by_id=applicant[4].id, expires_at=expires,
                       token_hash=hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()),
        TeamInvitation(event_id=event.id, team_id=team.id, kind=TeamInvitationKind.request, email=applicant[3].email,
                       user_id=applicant[3].id, created_by_id=applicant[3].id, expires_at=expires,
                       message="I am a designer from Osh and would love to help."),
    ]
    db.session.add_all(invitations)
    lonely = _new_team(event, "Aiyl Data", tracks[-1] if tracks else None,
                       "Open data about village services, collected by school pupils.", [applicant[11]],
                       looking=True, wanted=["python", "teaching"], at=earlier)
    _application(event, applicant[11], team=lonely, status=ApplicationStatus.draft, answers={})


# --- mentoring at the 2021 event: mentors, assignments, progress, challenges, help requests -----------------------

# email, name, locale, year of birth, gender, region, country, background, expertise, track positions, languages,
# capacity. mentor1-3 exist above (their account data is kept); here are their profiles and seven more mentors.
MENTORS = [
    ("mentor1@demo.test", None, None, None, None, None, None, None,
     ["data science", "python", "water"], [1, 4], ["ky", "ru"], 4),
    ("mentor2@demo.test", None, None, None, None, None, None, None,
     ["civic participation", "public policy", "law"], [1, 2], ["ru", "ky"], 4),
    ("mentor3@demo.test", None, None, None, None, None, None, None,
     ["product design", "ux", "figma"], [3, 4], ["en", "ru"], 4),
    ("mentor4@demo.test", "Azamat Mentor", "ky", 1987, Gender.male, "naryn", "KG", Background.it,
     ["mobile apps", "javascript"], [4, 1], ["ky", "ru"], 4),
    ("mentor5@demo.test", "Svetlana Mentor", "ru", 1976, Gender.female, "bishkek", "KG", Background.non_it,
     ["public health", "social work"], [1, 2], ["ru"], 4),
    ("mentor6@demo.test", "Daniyar Mentor", "en", 1991, Gender.male, "abroad", "US", Background.it,
     ["machine learning", "sql", "data science"], [3, 1], ["en", "ru"], 4),
    ("mentor7@demo.test", "Cholpon Mentor", "ky", 1985, Gender.female, "issyk_kul", "KG", Background.non_it,
     ["agronomy", "tourism"], [1, 4], ["ky"], 4),
    ("mentor8@demo.test", "Ruslan Mentor", "ru", 1980, Gender.male, "osh_city", "KG", Background.it,
     ["gis", "maps", "python"], [1, 2], ["ru", "ky"], 4),
    ("mentor9@demo.test", "Mira Mentor", "en", 1993, Gender.female, "abroad", "TR", Background.non_it,
     ["fundraising", "marketing", "pitching"], [3, 2], ["en", "ky"], 4),
    ("mentor10@demo.test", "Almaz Mentor", "ky", 1984, Gender.male, "jalal_abad", "KG", Background.it,
     ["teaching", "web", "education"], [4, 3], ["ky", "ru", "en"], 4),
]
MILESTONES = [
    ((2021, 7, 2, 20, 0), {"en": "Day 1 evening: problem and plan", "ru": "День 1, вечер: проблема и план",
                           "ky": "1-күн, кеч: көйгөй жана план"}),
    ((2021, 7, 3, 12, 0), {"en": "Day 2 noon: first prototype", "ru": "День 2, полдень: первый прототип",
                           "ky": "2-күн, түш: биринчи прототип"}),
    ((2021, 7, 4, 10, 0), {"en": "Day 3 morning: ready to submit", "ru": "День 3, утро: готовы сдавать",
                           "ky": "3-күн, эртең менен: тапшырууга даяр"}),
]
RUBRIC = [
    {"en": "Problem understanding", "ru": "Понимание проблемы", "ky": "Көйгөйдү түшүнүү"},
    {"en": "Progress", "ru": "Прогресс", "ky": "Алдыга жылуу"},
    {"en": "Teamwork", "ru": "Командная работа", "ky": "Командалык иш"},
]
CHECK_INS = [
    ("Interviewed residents and agreed on the problem.", "Sketch the screens and the data we need.", ""),
    ("A clickable prototype and a first data import.", "Test with two residents; prepare the pitch.",
     "We cannot get the district's data in time."),
    ("Prototype tested with residents; pitch drafted.", "Rehearse the pitch and submit.", ""),
]
REVIEW_COMMENTS = {
    "on_track": "Clear problem and steady progress. Keep testing with real users.",
    "at_risk": "The scope is too wide for the time left: choose one feature and finish it.",
    "blocked": "You are stuck on data access. Ask the organisers for the contact at the ministry today.",
}
CHALLENGES_2021 = [
    (0, "Where do the pipes break?", "mentor1@demo.test",
     "Villages report broken **water pipes** by SMS and phone calls. Using the repair log of 2019-2021, "
     "find the places and seasons where pipes break most and suggest where the ayil okmotu should invest first.\n\n"
     "- Clean and geocode the reports\n- Find hot spots and seasons\n- Present a map the council can read\n\n"
     "Data are anonymised; see the licence on each page.",
     ["https://data.gov.kg/dataset/water-supply-incidents", "https://stat.gov.kg/en/statistics/environment/"]),
    (3, "Which villages lack digital skills classes?", "organiser@demo.test",
     "Combine school data and internet coverage to find the **villages where young people have no digital skills "
     "classes** within reach, and estimate how many pupils a mobile class could serve.\n\n"
     "| Source | What it gives |\n|---|---|\n| Schools | pupils per village |\n| Coverage | 3G/4G by district |",
     ["https://data.gov.kg/dataset/schools", "https://opendata.kg/coverage.csv"]),
]
HELP_2021 = [
    # team index, topic, description, language, status, minutes after hacking starts (asked, claimed, resolved), mentor
    (0, "Geocoding village names", "Our villages have several spellings; how do we match them to coordinates?",
     "ru", "resolved", (90, 102, 140), "mentor8@demo.test"),
    (5, "Pitch structure", "How long should the demo be in a 5-minute pitch?", "en", "resolved", (1500, 1530, 1560),
     "mentor9@demo.test"),
    (9, "SMS gateway", "Which SMS gateway works with Kyrgyz operators?", "ky", "claimed", (2400, 2415, None),
     "mentor4@demo.test"),
    (12, "Cleaning survey data", "Ages are typed as text in the survey (e.g. '25 жаш'). How do we clean them?",
     "ru", "open", (2500, None, None), None),
    (20, "Map tiles offline", "Can our maps work without internet in the mountains? We draw them with python.",
     None, "open", (2520, None, None), None),
]


def _mentor_accounts(accounts: _People, people: dict[str, User]) -> list[User]:
    mentors = []
    for email, name, locale, year, gender, region, country, background, *_rest in MENTORS:
        if email not in people:
            people[email] = accounts.get(email, name, locale=locale, year_of_birth=year, gender=gender,
                                         region=region, country=country, background=background, skills=[],
                                         organisation=None, first_hackathon=False)
        mentors.append(people[email])
    return mentors


def _fill_mentoring_2021(event: Event, people: dict[str, User], mentors: list[User]) -> None:
    """Profiles, one mentor for each of the 34 confirmed teams (never above capacity, never their own team),
    milestones, a rubric, check-ins and reviews through the event, two challenges and a few help requests."""
    from hackathon.mentoring.models import (Challenge, CheckIn, HelpRequest, HelpStatus, MentorAssignment,
                                            MentoringSettings, MentorProfile, MentorReview, Milestone,
                                            RubricCriterion, TeamChallenge, TeamStatus)

    rng = random.Random(4)
    tracks = list(event.tracks)
    organiser = people["organiser@demo.test"]
    db.session.add(MentoringSettings(event_id=event.id, mentors_per_team=1, stale_after_hours=12,
                                     show_summaries_to_jurors=True))
    profiles = {}
    for user, (_email, *_account, expertise, positions, languages, capacity) in zip(mentors, MENTORS):
        track_ids = [tracks[p - 1].id for p in positions if p - 1 < len(tracks)]
        profiles[user.id] = MentorProfile(event_id=event.id, user_id=user.id, expertise=expertise,
                                          track_ids=track_ids, languages=languages, capacity=capacity,
                                          bio=f"{', '.join(expertise).capitalize()}.")
        db.session.add(profiles[user.id])

    teams = list(db.session.scalars(
        select(Team).join(Application, Application.team_id == Team.id)
        .where(Team.event_id == event.id, Application.status.in_([ApplicationStatus.accepted,
                                                                  ApplicationStatus.confirmed]))
        .order_by(Team.id)))
    members = {}
    for team_id, user_id in db.session.execute(select(TeamMember.team_id, TeamMember.user_id)
                                               .where(TeamMember.event_id == event.id)):
        members.setdefault(team_id, set()).add(user_id)
    locales = dict(db.session.execute(select(User.id, User.locale).where(User.id.in_(
        [user_id for ids in members.values() for user_id in ids]))).all())
    load = {user.id: 0 for user in mentors}
    assigned: dict[int, User] = {}
    hacking = event.hacking_starts_at
    mentor1 = people["mentor1@demo.test"]
    for team in sorted(teams, key=lambda t: (t.name != "Taza Suu", t.id)):
        team_languages = {locales.get(user_id) for user_id in members.get(team.id, ())}

        def rank(mentor: User):
            profile = profiles[mentor.id]
            return (team.track_id not in profile.track_ids, not team_languages & set(profile.languages),
                    load[mentor.id], mentor.id)

        if team.name == "Taza Suu":
            mentor = mentor1
        else:
            mentor = min((m for m in mentors if load[m.id] < profiles[m.id].capacity
                          and m.id not in members.get(team.id, ())), key=rank)
        profile = profiles[mentor.id]
        shared = sorted(team_languages & set(profile.languages))
        reasons = {"track": team.track_id in profile.track_ids, "language": shared[0] if shared else None,
                   "expertise": [tag for tag in profile.expertise if tag in (team.idea or "").casefold()]}
        db.session.add(MentorAssignment(event_id=event.id, team_id=team.id, mentor_id=mentor.id, reasons=reasons,
                                        assigned_by_id=organiser.id, created_at=hacking - timedelta(days=2)))
        load[mentor.id] += 1
        assigned[team.id] = mentor

    milestones = [Milestone(event_id=event.id, title=title, due_at=_bishkek(*moment), position=position)
                  for position, (moment, title) in enumerate(MILESTONES, start=1)]
    criteria = [RubricCriterion(event_id=event.id, name=name, position=position)
                for position, name in enumerate(RUBRIC, start=1)]
    db.session.add_all(milestones + criteria)
    db.session.flush()

    blocked = {teams[3].id, teams[17].id} if len(teams) > 17 else set()
    for index, team in enumerate(teams):
        captain_id = team.captain_id
        mentor = assigned[team.id]
        done = 1 + (index % 3) if index % 7 != 6 else 0  # every seventh team never checked in
        for step in range(done):
            moment = milestones[step].due_at - timedelta(minutes=rng.randint(10, 90))
            text_done, text_next, blockers = CHECK_INS[step]
            if team.id in blocked and step == done - 1:
                blockers = "We cannot get the district's data in time."
            db.session.add(CheckIn(event_id=event.id, team_id=team.id, author_id=captain_id,
                                   milestone_id=milestones[step].id, done=text_done, next_steps=text_next,
                                   blockers=blockers, links=["https://github.com/example/demo"] if step else [],
                                   created_at=moment))
            if team.id in blocked and step == done - 1:
                status = TeamStatus.blocked
            else:
                status = (TeamStatus.on_track, TeamStatus.on_track, TeamStatus.at_risk)[(index + step) % 3]
            scores = {str(criterion.id): min(5, max(1, 3 + rng.choice((-1, 0, 1)) + step // 2))
                      for criterion in criteria}
            db.session.add(MentorReview(event_id=event.id, team_id=team.id, mentor_id=mentor.id, status=status,
                                        scores=scores, comment_to_team=REVIEW_COMMENTS[status.value],
                                        private_note="Strong captain; watch the scope." if index % 5 == 0 else "",
                                        created_at=moment + timedelta(minutes=rng.randint(30, 120))))

    challenges = []
    for track_position, title, author, description, links in CHALLENGES_2021:
        challenge = Challenge(event_id=event.id, track_id=tracks[track_position].id if track_position < len(tracks)
                              else None, title=title, description=description, data_links=links,
                              created_by_id=people[author].id)
        challenge.created_at = challenge.updated_at = hacking - timedelta(days=1)
        challenges.append(challenge)
    db.session.add_all(challenges)
    db.session.flush()
    for index, team in enumerate(teams[:7]):
        db.session.add(TeamChallenge(team_id=team.id, challenge_id=challenges[index % 2].id,
                                     chosen_at=hacking + timedelta(hours=index + 1)))

    for team_index, topic, description, language, status, (asked, claimed, resolved), mentor_email in HELP_2021:
        if team_index >= len(teams):
            continue
        team = teams[team_index]
        db.session.add(HelpRequest(
            event_id=event.id, team_id=team.id, topic=topic, description=description, language=language,
            status=HelpStatus(status), created_by_id=team.captain_id, created_at=hacking + timedelta(minutes=asked),
            claimed_by_id=people[mentor_email].id if mentor_email else None,
            claimed_at=hacking + timedelta(minutes=claimed) if claimed is not None else None,
            resolved_at=hacking + timedelta(minutes=resolved) if resolved is not None else None))


def _has_demo_mentoring(event: Event) -> bool:
    from hackathon.mentoring.models import MentorProfile

    return db.session.scalar(select(MentorProfile.id).where(MentorProfile.event_id == event.id).limit(1)) is not None


# --- project submissions at the 2021 event -------------------------------------------------------------------

# Team name -> (language, title, tagline, what was built (None: the team's idea, in English), technologies).
PROJECTS_2021 = {
    "Taza Suu": ("en", "Taza Suu: clean water, fixed pipes",
                 "Report a broken pipe by SMS and follow its repair on the village map.",
                 "Residents send an SMS with the street name; the ayil okmotu sees each report on a map, assigns a "
                 "plumber and marks it fixed. Weekly water-quality readings from the school lab are shown next to "
                 "each well.", ["Python", "Flask", "PostGIS", "SMS gateway"]),
    "Айыл Tech": ("ky", "Айыл Tech: дем алыш күнкү коддоо клубу",
                  "Нарындын айылдарындагы окуучулар үчүн кыргыз тилиндеги программалоо сабактары.",
                  "Студенттер мектеп окуучуларына кыргыз тилинде интернетсиз программалоо сабактарын өтүшөт. "
                  "Сабактар жана тапшырмалар телефонго бир жолу жүктөлүп алынат.", ["Scratch", "Python", "PWA"]),
    "Budget Watch KG": ("en", "Budget Watch: your village budget on one page",
                        "Every som of the ayil okmotu's budget, and a vote on next year's priorities.",
                        "We turned the published budget tables of 40 ayil okmotus into one readable page per village: "
                        "income, spending by sector and the gap between plan and reality. Residents rank next year's "
                        "priorities and the council sees the result.", ["Python", "pandas", "Django", "Chart.js"]),
    "Мекен Bridge": ("ru", "Мекен Bridge: диаспора — сельским школам",
                     "Специалисты из диаспоры проводят онлайн-встречи о профессиях для сельских школ.",
                     "Платформа подбирает специалистов из России и Турции для ежемесячных онлайн-встреч с "
                     "выпускниками сельских школ с учётом их интересов и языка.", ["React", "Node.js", "Jitsi"]),
    "Jashyl Kyrgyzstan": ("ky", "Жашыл Кыргызстан: таштанды картасы",
                          "Мыйзамсыз таштанды төгүлгөн жерлердин картасы жана тазалоо күндөрү.",
                          "Тургундар сүрөт менен таштанды үймөктөрүн белгилешет, карта аларды топтоп, жакын жердеги "
                          "тазалоо күнүн сунуштайт.", ["Leaflet", "OpenStreetMap", "Telegram bot"]),
    "Эл Үнү": ("ru", "Эл Үнү: бот для обращений в кенеш",
               "Telegram-бот превращает жалобы жителей в официальные обращения в айыльный кенеш.",
               "Бот задаёт несколько вопросов, составляет обращение по установленной форме, отправляет его и "
               "напоминает, если ответ не пришёл за 14 дней.", ["Python", "aiogram", "PostgreSQL"]),
    "Kök-Jar Data": ("en", "Kök-Jar Data: air quality around Bishkek schools",
                     "PM2.5 sensors and the state of school buildings, as open data for repairs argued with numbers.",
                     "Twelve low-cost sensors near schools in Bishkek publish PM2.5 every ten minutes; we combine them "
                     "with a survey of school buildings and roads so that parents' committees argue for repairs and "
                     "cleaner heating with numbers.", ["Python", "Jupyter", "KoboToolbox", "Datawrapper"]),
    "Jolborstor": ("en", "Jolborstor: paid micro-tasks for Batken youth",
                   "Data labelling and translation into Kyrgyz, learned in two weeks, paid by the task.",
                   None, ["Django", "Label Studio"]),
    "Ала-Тоо Connect": ("ru", "Ала-Тоо Connect: краудфандинг с чеками",
                        "Диаспора финансирует сельские проекты и видит фото и чек за каждый сом.",
                        "Каждый проект публикует смету, а каждый платёж — чек и фотографию; донор получает "
                        "уведомление, когда его деньги потрачены.", ["Vue.js", "Laravel"]),
    "SmartAiyl": ("ky", "SmartAiyl: сугат кезегинин календары",
                  "Сугат кезегинин ачык календары талаштарды азайтат.",
                  "Мирап сугат кезегин календарга киргизет, ар бир үй-бүлө өз убактысын SMS менен алат, "
                  "алмашуулар ачык көрүнөт.", ["Flutter", "Firebase"]),
    "Жаштар Hub": ("ky", "Жаштар Hub: мобилдик медиа мектеп",
                   "Таластагы өспүрүмдөр телефондон жергиликтүү жаңылыктарды тартып жарыялашат.",
                   "Алты апталык курс: сценарий, тартуу, монтаж жана фактыларды текшерүү. Бүтүрүүчүлөрдүн "
                   "видеолору жергиликтүү жаңылыктар баракчасына чыгат.", ["WordPress", "CapCut"]),
    "Open Kenesh": ("en", "Open Kenesh: council votes on your phone",
                    "Agendas and voting records of local councils, readable on any phone.",
                    None, ["Python", "FastAPI", "Tesseract OCR"]),
    "Diaspora Mentors": ("en", "Diaspora Mentors: thirty minutes that change a career",
                         "Kyrgyz doctors and engineers abroad mentor students at home in short video calls.",
                         None, ["Next.js", "Supabase"]),
    "Boz Uy Labs": ("en", "Boz Uy Labs: felt that pays fairly",
                    "Women's felt cooperatives sell online and see how the income is shared.",
                    None, ["Shopify", "Google Sheets"]),
    "Чолпон": ("ky", "Чолпон: санариптик сабаттуулук курсу",
               "Айылдык жаштар борборлору үчүн кыргыз тилиндеги акысыз курс.",
               "Электрондук таблицалар жана интернеттеги коопсуздук боюнча он сабак, ар бири видео жана "
               "практикалык тапшырма менен.", ["Moodle", "H5P"]),
    "Ак Жол": ("ru", "Ак Жол: дороги и школьные автобусы",
               "Жители оценивают сельские дороги, а район видит, где ремонт нужнее всего для школьных автобусов.",
               "Водители школьных автобусов и жители отмечают ямы и размытые участки; приложение накладывает их на "
               "маршруты автобусов и показывает району список участков по числу детей, которые по ним ездят.",
               ["Kotlin", "Android", "OpenStreetMap"]),
    "Civic Compass": ("en", "Civic Compass: public services near you",
                      "Which public services exist in your district, and how to ask for them.",
                      None, ["Svelte", "Python"]),
    "Kairat Coders": ("en", "Kairat Coders: remote internships for rural graduates",
                      "Bishkek IT companies take interns from the regions, mentored from abroad.",
                      None, ["GitHub Classroom", "Python"]),
    "Nomad Skills": ("ru", "Nomad Skills: каталог навыков диаспоры",
                     "Айыльные кенеши находят эксперта из диаспоры за один день.",
                     "Специалисты из диаспоры указывают свои навыки и свободное время; кенеш описывает задачу и "
                     "получает список подходящих людей.", ["Django", "Elasticsearch"]),
    "Бирге": ("ky", "Бирге: маалалык микрогранттар",
              "Тургундар добуш берген микрогранттар жана алардын ачык жыйынтыктары.",
              "Тургундар долбоорлорду сунушташат, добуш беришет жана ар бир гранттын сарпталышын сүрөт менен "
              "көрүшөт.", ["Ruby on Rails", "PostgreSQL"]),
    "Ysyk-Köl Green": ("en", "Ysyk-Köl Green: shared waste rounds",
                       "Guesthouses and villagers share waste collection rounds to keep the lake shore clean.",
                       None, ["Python", "OR-Tools", "Leaflet"]),
    "Ashar Online": ("ky", "Ашар Онлайн",
                     "Коңшулар үй же мектеп курууга жардам берүүгө онлайн жазылышат.",
                     "Ашар уюштуруучусу эмне керек экенин жазат: кол күчү, курал же тамак; коңшулар жазылып, "
                     "эскертме алышат.", ["Flutter", "Firebase"]),
    "Talas Youth Lab": ("en", "Talas Youth Lab: robotics kits on tour",
                        "Robotics kits travel between the schools of Talas region, with lessons for teachers.",
                        None, ["Arduino", "micro:bit"]),
    "Народный контроль": ("ru", "Народный контроль: фото против смет",
                          "Жители сравнивают общественные работы с контрактом и сообщают о расхождениях.",
                          "Фотографии с геометкой сопоставляются с объёмами из контракта; расхождения уходят на "
                          "горячую линию с копией в айыльный кенеш.", ["Python", "OpenCV", "Telegram bot"]),
    "Sister Cities KG": ("en", "Sister Cities KG",
                         "Diaspora communities in Moscow, Istanbul and Seoul paired with their home towns.",
                         None, ["React", "Firebase"]),
    "Data Kelechek": ("ky", "Data Kelechek: кыздар үчүн маалымат сабаттуулугу",
                      "Оштогу кыздар өз мектеби жөнүндө кичинекей изилдөө жасашат.",
                      "Төрт семинар: суроо түзүү, маалымат чогултуу, таблица жана диаграмма. Акырында ар бир топ "
                      "мектеп директоруна жыйынтыгын көрсөтөт.", ["Google Sheets", "Python"]),
    "Jer Ene": ("ky", "Жер Эне: жайыт карталары жана SMS агрокеңеш",
                "Тоолуу жайыттардын абалы спутниктен, кеңеш кыргызча SMS менен.",
                "Sentinel-2 сүрөттөрүнөн жайыттардын чөп каптоосун эсептеп, малчыларга кайсы жайыт эс алышы керек "
                "экенин жана топурак боюнча кеңештерди SMS менен жөнөтөбүз.", ["Python", "Sentinel-2", "SMS gateway"]),
    "Эркин Пикир": ("ru", "Эркин Пикир: анонимные опросы молодёжи",
                    "Безопасные опросы для местной молодёжной политики.",
                    "Опрос проходит без регистрации, ответы агрегируются так, что нельзя узнать отдельного человека; "
                    "отдел молодёжи получает отчёт с выводами.", ["LimeSurvey", "R"]),
    "Kel-Kel": ("ru", "Kel-Kel: работа для вернувшихся мигрантов",
                "Вакансии, консультации и стартовый капитал для тех, кто вернулся домой.",
                "Каталог вакансий района, запись на консультацию по открытию ИП и подбор программ микрокредитования.",
                ["PHP", "MySQL"]),
    "Osh Makers": ("en", "Osh Makers: one 3D printer, ten schools",
                   "A makerspace network sharing 3D printers between schools in Osh.",
                   None, ["OctoPrint", "Google Calendar"]),
    "Суу Булагы": ("ky", "Суу Булагы: суу сактагычтын журналы",
                   "Суу жетишсиздиги бир жума мурун жарыяланат.",
                   "Сактагычтагы суунун деңгээли күн сайын жазылат, прогноз жетишсиздикти бир жума мурун көрсөтөт "
                   "жана тургундарга SMS жөнөтүлөт.", ["Python", "LoRaWAN", "Grafana"]),
    "Uluu Jol": ("en", "Uluu Jol: accessible public offices",
                 "A map of ramps, lifts and entrances of public offices, reviewed by people who use them.",
                 None, ["OpenStreetMap", "Leaflet", "Python"]),
    "TechAyim": ("ru", "TechAyim: программирование для молодых мам",
                 "Онлайн-курс с занятиями в удобные для мам часы.",
                 "Короткие уроки по 30 минут, записи для тех, кто не успел, и наставник из диаспоры для каждой группы.",
                 ["Python", "Zoom"]),
    "Meken Invest": ("en", "Meken Invest: co-invest at home",
                     "Diaspora members co-invest in local small businesses with clear shares and reports.",
                     None, ["Django", "PostgreSQL"]),
}
PROJECT_SECTIONS = {
    "en": ("## What we built", "## Next steps", "- A three-month pilot with one ayil okmotu\n"
                                                "- Publish the data under an open licence"),
    "ru": ("## Что мы сделали", "## Что дальше", "- Пилот на три месяца с одним айыл окмоту\n"
                                                "- Открыть данные под свободной лицензией"),
    "ky": ("## Биз эмне кылдык", "## Кийинки кадамдар", "- Бир айыл өкмөтү менен үч айлык пилот\n"
                                                        "- Маалыматтарды ачык лицензия менен жарыялоо"),
}
# Teams with a pitch deck and a screenshot (Latin names: the generated PDF has no Cyrillic font).
PROJECTS_WITH_FILES = ("Taza Suu", "Budget Watch KG", "Kök-Jar Data", "Open Kenesh", "Diaspora Mentors",
                       "Ysyk-Köl Green", "Osh Makers", "Uluu Jol")
# Teams that submitted late, with the extension the organisers granted them.
LATE_PROJECTS = {
    "Jolborstor": "A power cut in Batken on the last evening; the team's mentor confirmed it.",
    "Jer Ene": "The internet was down in the team's village during the final hours (confirmed by the mentor).",
}


def _demo_screenshot(seed: int) -> tuple[bytes, int, int]:
    """A small PNG drawn by the demo: a map-like background with points and a bar chart."""
    import io

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = 640, 400
    image = Image.new("RGB", (width, height), (236, 242, 236))
    draw = ImageDraw.Draw(image)
    for _river in range(3):  # rivers and roads
        points = [(x, rng.randint(40, 360)) for x in range(0, width + 80, 80)]
        draw.line(points, fill=(150, 190, 230), width=5)
    for _point in range(18):
        x, y = rng.randint(20, 400), rng.randint(20, 380)
        colour = rng.choice([(200, 60, 60), (230, 150, 40), (60, 150, 90)])
        draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=colour, outline=(60, 60, 60))
    draw.rectangle((430, 20, 620, 380), fill=(255, 255, 255), outline=(180, 180, 180))
    for index in range(6):
        bar = rng.randint(30, 300)
        draw.rectangle((445 + index * 29, 370 - bar, 465 + index * 29, 370), fill=(40, 110, 180))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue(), width, height


def _demo_attachment(submission, kind, data: bytes, name: str, content_type: str, uploader: User, at: datetime,
                     *, width: int | None = None, height: int | None = None, position: int = 0):
    from hackathon.submissions.models import Attachment
    from hackathon.submissions.storage import get_storage, new_key

    key = new_key()
    get_storage().save(key, data)
    attachment = Attachment(submission_id=submission.id, kind=kind, storage_key=key, display_name=name,
                            content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            width=width, height=height, position=position, uploaded_by_id=uploader.id,
                            created_at=at)
    db.session.add(attachment)
    return attachment


def _fill_submissions_2021(event: Event, people: dict[str, User]) -> None:
    """A submitted project for each of the 34 confirmed teams, with two or three saved versions, eight with a
    pitch deck and a screenshot, two submitted late under an extension; most teams opt into the gallery (which
    stays closed: publishing the results opens it)."""
    from hackathon.audit import record_audit
    from hackathon.mentoring.models import Challenge, TeamChallenge
    from hackathon.submissions import core
    from hackathon.submissions.files import minimal_pdf
    from hackathon.submissions.models import (AttachmentKind, DeadlineExemption, ExemptionKind, Submission,
                                              SubmissionSettings, SubmissionStatus)

    rng = random.Random(5)
    organiser = people["organiser@demo.test"]
    closes = event.submissions_close_at
    db.session.add(SubmissionSettings(event_id=event.id, required_fields=["tagline", "description", "track"],
                                      grace_minutes=10, max_screenshots=5, allow_archive=True))
    teams = list(db.session.scalars(
        select(Team).join(Application, Application.team_id == Team.id)
        .where(Team.event_id == event.id, Application.status.in_([ApplicationStatus.accepted,
                                                                  ApplicationStatus.confirmed]))
        .order_by(Team.id)))
    members: dict[int, list[User]] = {}
    for team_id, user in db.session.execute(
            select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.event_id == event.id).order_by(TeamMember.joined_at, TeamMember.id)):
        members.setdefault(team_id, []).append(user)
    challenges = dict(db.session.execute(
        select(TeamChallenge.team_id, TeamChallenge.challenge_id).join(Challenge)
        .where(Challenge.event_id == event.id)).all())

    for index, team in enumerate(teams):
        language, title, tagline, what, technologies = PROJECTS_2021.get(
            team.name, ("en", team.name, (team.idea or team.name)[:200], None, ["Python"]))
        heading, next_heading, next_steps = PROJECT_SECTIONS[language]
        description = f"{heading}\n\n{what or team.idea}\n\n{next_heading}\n\n{next_steps}"
        people_in_team = members.get(team.id) or [db.session.get(User, team.captain_id)]
        author = people_in_team[0]
        other = people_in_team[1 % len(people_in_team)]
        late = team.name in LATE_PROJECTS
        started = closes - timedelta(hours=rng.randint(20, 40))
        submitted_at = closes + timedelta(minutes=rng.randint(40, 110)) if late \
            else closes - timedelta(minutes=rng.randint(30, 600))
        slug = re.sub(r"[^a-z0-9]+", "-", team_name_key(team.name).encode("ascii", "ignore").decode()).strip("-")
        submission = Submission(
            event_id=event.id, team_id=team.id, track_id=team.track_id, challenge_id=challenges.get(team.id),
            title=title, credited_user_ids=[user.id for user in people_in_team], technologies=technologies[:1],
            created_at=started, updated_at=started)
        db.session.add(submission)
        db.session.flush()
        core.record_version(submission, author, "saved", started)

        submission.tagline, submission.description, submission.technologies = tagline, description, technologies
        submission.repository_url = f"https://example.org/dmc2021/{slug or f'team-{team.id}'}"
        if index % 3 == 0:
            submission.demo_url = f"https://example.org/demo/{slug or team.id}"
        if index % 4 == 1:
            submission.video_url = f"https://example.org/video/{slug or team.id}"
        submission.show_in_gallery = index % 6 != 5
        if late:
            exemption = DeadlineExemption(event_id=event.id, team_id=team.id, kind=ExemptionKind.extension,
                                          until=closes + timedelta(hours=3), reason=LATE_PROJECTS[team.name],
                                          granted_by_id=organiser.id, granted_at=closes - timedelta(hours=2))
            db.session.add(exemption)
            db.session.flush()
            record_audit(actor=organiser, action="submission.extension_granted", event_id=event.id,
                         target=exemption, after={"team_id": team.id, "team": team.name, "kind": "extension",
                                                  "until": exemption.until}, reason=exemption.reason)
        if team.name in PROJECTS_WITH_FILES:
            at = submitted_at - timedelta(minutes=15)
            deck = minimal_pdf([title, tagline[:70], "", f"Team: {team.name}", event.title])
            _demo_attachment(submission, AttachmentKind.deck, deck, f"{slug or 'pitch'}-pitch.pdf",
                             "application/pdf", other, at)
            png, width, height = _demo_screenshot(team.id)
            _demo_attachment(submission, AttachmentKind.screenshot, png, "screenshot.png", "image/png", other, at,
                             width=width, height=height, position=1)
            db.session.flush()
        submission.status = SubmissionStatus.submitted
        submission.first_submitted_at = submission.submitted_at = submitted_at
        core.record_version(submission, other, "submitted", submitted_at)
        if index % 3 == 1 and not late:  # a last polish after submitting
            submission.description += "\n\n" + {"en": "Thanks to our mentor for the feedback!",
                                                 "ru": "Спасибо нашему ментору за советы!",
                                                 "ky": "Ментордун кеңештери үчүн рахмат!"}[language]
            core.record_version(submission, author, "saved", submitted_at + timedelta(minutes=20))
        submission.updated_at = submission.last_saved_at


# Four more jurors for the 2021 screening (eight in all with juror1-3 and mentor2): one lenient, one harsh, one who knows a team and declared it.
JURORS = [
    ("juror4@demo.test", "Aibek Juror", "ky", 1986, Gender.male, "osh", "KG", Background.non_it, +1.6),
    ("juror5@demo.test", "Saltanat Juror", "ru", 1979, Gender.female, "bishkek", "KG", Background.it, -1.6),
    ("juror6@demo.test", "Maria Juror", "en", 1991, Gender.female, "abroad", "US", Background.it, 0.0),
    ("juror7@demo.test", "Erlan Juror", "ru", 1968, Gender.male, "issyk_kul", "KG", Background.non_it, 0.3),
]
SCREENING_CRITERIA = [
    ({"en": "Impact", "ru": "Влияние", "ky": "Таасир"}, 35,
     {"en": {"1": "No clear benefit", "5": "Helps some people a little", "10": "Changes lives in a community"}}),
    ({"en": "Feasibility", "ru": "Реализуемость", "ky": "Ишке ашуусу"}, 25,
     {"en": {"1": "Idea only", "5": "Works in a demo", "10": "Ready to run with real users"}}),
    ({"en": "Innovation", "ru": "Новизна", "ky": "Жаңычылдык"}, 20,
     {"en": {"1": "Exists already", "10": "New for the region"}}),
    ({"en": "Inclusiveness", "ru": "Инклюзивность", "ky": "Инклюзивдүүлүк"}, 20,
     {"en": {"1": "For a few", "10": "Designed with and for everyone, IT and non-IT alike"}}),
]
JUROR_COMMENTS = {
    "en": ["Strong problem framing; show real users next.", "Good demo, the data source needs checking.",
           "Clear pitch. Think about who maintains it after the hackathon."],
    "ru": ["Сильная постановка проблемы; покажите реальных пользователей.", "Хорошее демо, проверьте источник данных.",
           "Понятная идея. Подумайте, кто будет поддерживать проект после хакатона."],
    "ky": ["Көйгөй так коюлган; чыныгы колдонуучуларды көрсөтүңүз.", "Жакшы демо, маалымат булагын текшериңиз.",
           "Түшүнүктүү идея. Хакатондон кийин ким колдойт, ойлонуңуз."],
}


def _fill_judging_2021(event: Event, people: dict[str, User], accounts: "_People") -> None:
    """A Screening round: four weighted criteria, eight jurors (one lenient, one harsh, one with a declared
    conflict), k = 3 from the app's assignment, every sheet submitted before the pitch."""
    from decimal import Decimal

    from hackathon.judging import assignment as assignment_math
    from hackathon.judging.models import (ConflictSource, JudgingCriterion, JudgingRound, JurorAssignment,
                                          JurorConflict, ScoreSheet, SheetStatus)
    from hackathon.judging.services import conflict_pairs
    from hackathon.submissions.core import latest_version
    from hackathon.submissions.models import Submission, SubmissionStatus

    leniency = {"juror1@demo.test": 0.4, "juror2@demo.test": -0.3, "juror3@demo.test": 0.0,
                "mentor2@demo.test": 0.2}
    for email, name, locale, year, gender, region, country, background, offset in JURORS:
        if email not in people:
            people[email] = accounts.get(email, name, locale=locale, year_of_birth=year, gender=gender, region=region,
                                         country=country, background=background, skills=["evaluation"],
                                         organisation=None, first_hackathon=False)
        leniency[email] = offset
    db.session.flush()
    for email in leniency:
        _role(people[email], event, Role.juror)
    judging_round = JudgingRound(
        event_id=event.id, name={"en": "Screening", "ru": "Отбор", "ky": "Тандоо"}, jurors_per_project=3,
        opens_at=event.submissions_close_at, closes_at=event.pitching_starts_at, assignment_seed=2021)
    db.session.add(judging_round)
    db.session.flush()
    criteria = [JudgingCriterion(round_id=judging_round.id, position=i, name=name, weight=Decimal(weight), rubric=rubric)
                for i, (name, weight, rubric) in enumerate(SCREENING_CRITERIA)]
    db.session.add_all(criteria)
    submissions = list(db.session.scalars(select(Submission).where(Submission.event_id == event.id,
                                                                   Submission.status == SubmissionStatus.submitted)
                                          .order_by(Submission.id)))
    # juror6 knows the members of one team and declared it.
    known = submissions[5]
    db.session.add(JurorConflict(event_id=event.id, juror_id=people["juror6@demo.test"].id, team_id=known.team_id,
                                 source=ConflictSource.declared, reason="A former colleague is in this team."))
    db.session.flush()
    juror_ids = {people[email].id: email for email in leniency}
    team_of = {s.id: s.team_id for s in submissions}
    conflicts = conflict_pairs(event, list(juror_ids), list(team_of.values()))
    pairs = {(j, s) for s, t in team_of.items() for (j, team) in conflicts if team == t}
    proposal = assignment_math.assign(
        [assignment_math.Juror(j) for j in juror_ids],
        [assignment_math.Project(s.id, s.track_id, frozenset(s.technologies or [])) for s in submissions],
        k=3, conflicts=pairs, seed=2021)
    rng = random.Random(2021)
    quality = {s.id: rng.gauss(6.3, 1.4) for s in submissions}
    submitted_at = (event.submissions_close_at or datetime.now(timezone.utc)) + timedelta(hours=20)
    for juror_id, submission_id in proposal.pairs:
        db.session.add(JurorAssignment(round_id=judging_round.id, juror_id=juror_id, submission_id=submission_id,
                                       reasons=[list(r) for r in proposal.reasons[(juror_id, submission_id)]]))
        juror = people[juror_ids[juror_id]]
        scores = {str(c.id): max(1, min(10, round(quality[submission_id] + leniency[juror_ids[juror_id]]
                                                  + rng.gauss(0, 0.9)))) for c in criteria}
        version = latest_version(submission_id)
        db.session.add(ScoreSheet(round_id=judging_round.id, juror_id=juror_id, submission_id=submission_id,
                                  status=SheetStatus.submitted, scores=scores, submitted_at=submitted_at,
                                  comment_to_team=rng.choice(JUROR_COMMENTS.get(juror.locale, JUROR_COMMENTS["en"])),
                                  submission_version=version.number if version else None, lock_version=1))
    judging_round.criteria_locked_at = submitted_at
    # The published shortlist of 16 (a tie at the cut would be included whole). Published back in 2021, so no
    # mail is queued for it now.
    from hackathon.judging.models import ShortlistEntry
    from hackathon.judging.services import propose_shortlist

    db.session.flush()
    proposal = propose_shortlist(judging_round, 16)
    chosen = proposal.proposed + proposal.tied_at_cut
    for position, submission_id in enumerate(chosen):
        db.session.add(ShortlistEntry(round_id=judging_round.id, submission_id=submission_id, position=position,
                                      origin="tie" if submission_id in proposal.tied_at_cut else "proposed",
                                      created_by_id=people["organiser@demo.test"].id))
    judging_round.shortlist_size = 16
    judging_round.shortlist_published_at = submitted_at + timedelta(hours=6)


PITCH_CRITERIA = [
    ({"en": "Solution quality", "ru": "Качество решения", "ky": "Чечимдин сапаты"}, 30,
     {"en": {"1": "Does not solve the problem", "10": "Solves it well for real users"}}),
    ({"en": "Feasibility", "ru": "Реализуемость", "ky": "Ишке ашуусу"}, 25,
     {"en": {"1": "Unclear how", "10": "A credible plan with the people to do it"}}),
    ({"en": "Pitch", "ru": "Питч", "ky": "Питч"}, 20,
     {"en": {"1": "Hard to follow", "10": "Clear, convincing, on time"}}),
    ({"en": "Potential for scaling", "ru": "Потенциал масштабирования", "ky": "Кеңейтүү мүмкүнчүлүгү"}, 25,
     {"en": {"1": "One village at most", "10": "Every region and beyond"}}),
]
PITCH_JURORS = ["juror1@demo.test", "juror2@demo.test", "juror3@demo.test", "juror4@demo.test", "juror7@demo.test"]
DEMO_AWARDS = [
    ("place", 1, {"en": "First place", "ru": "Первое место", "ky": "Биринчи орун"},
     {"en": "Six months of incubation and a grant", "ru": "Полгода инкубации и грант",
      "ky": "Алты ай инкубация жана грант"}),
    ("place", 2, {"en": "Second place", "ru": "Второе место", "ky": "Экинчи орун"},
     {"en": "Three months of incubation", "ru": "Три месяца инкубации", "ky": "Үч ай инкубация"}),
    ("place", 3, {"en": "Third place", "ru": "Третье место", "ky": "Үчүнчү орун"},
     {"en": "Mentoring by the Accelerator Lab", "ru": "Менторство Лаборатории инноваций",
      "ky": "Инновациялар лабораториясынын менторлугу"}),
    ("special", None, {"en": "Best inclusion of non-IT members", "ru": "Лучшее вовлечение участников не из ИТ",
                       "ky": "IT эмес катышуучуларды эң мыкты тартуу"}, {}),
    ("special", None, {"en": "Audience award", "ru": "Приз зрительских симпатий", "ky": "Көрүүчүлөр сыйлыгы"}, {}),
]


def _fill_pitch_and_results_2021(event: Event, people: dict[str, User]) -> None:
    """The pitch final: the 16 shortlisted teams scored by 5 jurors on four criteria (every juror on every
    pitch unless conflicted), then three places and two special mentions, published on results day in 2021
    (so no mail is queued now) with the gallery opened."""
    from decimal import Decimal

    from hackathon.judging.models import JudgingCriterion, JudgingRound, JurorAssignment, ScoreSheet, SheetStatus
    from hackathon.judging.services import conflict_pairs, round_projects, rounds_of
    from hackathon.results import services as results
    from hackathon.results.models import Award, AwardWinner
    from hackathon.submissions.core import latest_version
    from hackathon.submissions.models import SubmissionSettings

    screening = rounds_of(event)[0]
    pitch = JudgingRound(event_id=event.id, name={"en": "Pitch", "ru": "Питч", "ky": "Питч"}, position=1,
                         project_source="shortlist", source_round_id=screening.id, assign_all=True,
                         opens_at=event.pitching_starts_at, closes_at=event.results_at, assignment_seed=2021)
    db.session.add(pitch)
    db.session.flush()
    criteria = [JudgingCriterion(round_id=pitch.id, position=i, name=name, weight=Decimal(weight), rubric=rubric)
                for i, (name, weight, rubric) in enumerate(PITCH_CRITERIA)]
    db.session.add_all(criteria)
    db.session.flush()
    projects = round_projects(pitch)
    jurors = [people[email] for email in PITCH_JURORS]
    conflicts = conflict_pairs(event, [j.id for j in jurors], [p.team_id for p in projects])
    rng = random.Random(2110)
    quality = {p.id: rng.gauss(6.8, 1.2) for p in projects}
    leniency = {j.id: offset for j, offset in zip(jurors, (0.5, -0.4, 0.0, 1.0, -0.2))}
    scored_at = (event.pitching_starts_at or datetime.now(timezone.utc)) + timedelta(hours=3)
    for juror in jurors:
        for project in projects:
            if (juror.id, project.team_id) in conflicts:
                continue
            db.session.add(JurorAssignment(round_id=pitch.id, juror_id=juror.id, submission_id=project.id,
                                           reasons=[["all", "every juror scores every pitch"]]))
            version = latest_version(project.id)
            db.session.add(ScoreSheet(
                round_id=pitch.id, juror_id=juror.id, submission_id=project.id, status=SheetStatus.submitted,
                scores={str(c.id): max(1, min(10, round(quality[project.id] + leniency[juror.id]
                                                        + rng.gauss(0, 0.8)))) for c in criteria},
                submitted_at=scored_at, lock_version=1,
                comment_to_team=rng.choice(JUROR_COMMENTS.get(juror.locale, JUROR_COMMENTS["en"])),
                submission_version=version.number if version else None))
    pitch.criteria_locked_at = scored_at
    db.session.flush()

    settings = results.settings_of(event)
    settings.final_round_id = pitch.id
    settings.show_full_ranking = True
    awards = [Award(event_id=event.id, position=i, kind=kind, place=place, name=name, prize_text=prize)
              for i, (kind, place, name, prize) in enumerate(DEMO_AWARDS)]
    db.session.add_all(awards)
    db.session.flush()
    view = results.compute_final(event, settings)
    proposals = results.proposals_for(view, awards)
    organiser = people["organiser@demo.test"]
    # The places as proposed (a tie would be decided by the jury chair); the special mentions chosen by the
    # organisers among the finalists just outside the podium.
    specials = iter(e.project_id for e in view.entries[3:])
    for award in awards:
        proposal = proposals[award.id]
        chosen = proposal.project_id if award.kind == "place" else next(specials)
        award.winners.append(AwardWinner(
            submission_id=chosen, decided_by_id=organiser.id,
            origin="proposed" if award.kind == "place" and not proposal.tied_with else "chosen",
            reason="Decided by the jury chair on pitch day." if proposal.tied_with else ""))
    db.session.flush()
    published_at = event.results_at or scored_at
    settings.snapshot = results.build_snapshot(event, settings, view, awards, published_at)
    settings.snapshot_version, settings.published_at = settings.snapshot["version"], published_at
    gallery = db.session.scalar(select(SubmissionSettings).where(SubmissionSettings.event_id == event.id))
    if gallery is not None and gallery.gallery_opened_at is None:
        gallery.gallery_opened_at = published_at
    db.session.flush()
    results.issue_certificates(event, published_at)


def _has_demo_results(event: Event) -> bool:
    from hackathon.results.models import ResultSettings

    return db.session.scalar(select(ResultSettings.id).where(ResultSettings.event_id == event.id)) is not None


def _has_demo_judging(event: Event) -> bool:
    from hackathon.judging.models import JudgingRound

    return db.session.scalar(select(JudgingRound.id).where(JudgingRound.event_id == event.id).limit(1)) is not None


def _has_demo_submissions(event: Event) -> bool:
    from hackathon.submissions.models import Submission

    return db.session.scalar(select(Submission.id).where(Submission.event_id == event.id).limit(1)) is not None


def load_demo(now: datetime | None = None) -> str:
    now = now or utcnow()
    # Every demo account shares the demo password, so one (slow, argon2) hash serves them all.
    accounts = _People(hash_password(DEMO_PASSWORD))
    people: dict[str, User] = {}
    for email, name, locale, year, gender, region, country, background, skills, organisation in PEOPLE:
        people[email] = accounts.get(email, name, locale=locale, year_of_birth=year, gender=gender, region=region,
                                     country=country, background=background, skills=skills,
                                     organisation=organisation, first_hackathon=False)
    people["admin@demo.test"].is_admin = True
    for number in range(1, 21):
        email = f"applicant{number}{DEMO_DOMAIN}"
        people[email] = accounts.get(
            email, f"{FIRST_NAMES[number - 1]} Applicant{number}",
            locale=("ky", "ru", "en")[number % 3], year_of_birth=1962 + (number * 7) % 44,
            gender=(Gender.female, Gender.male)[number % 2], region=REGIONS[number % len(REGIONS)],
            country="KG" if REGIONS[number % len(REGIONS)] != "abroad" else ("RU", "TR", "US")[number % 3],
            background=(Background.it, Background.non_it)[number % 2], skills=SKILLS[number % len(SKILLS)],
            organisation=None, first_hackathon=number % 3 != 0,
        )
    rng = random.Random(200)
    generated = []
    for number in range(1, GENERATED + 1):
        email, name, profile = _generated_profile(number, rng)
        generated.append(accounts.get(email, name, **profile))
    db.session.flush()

    dmc = _event(
        "develop-my-community-2021",
        title="#DevelopMyCommunity 2021",
        description=(
            "A civic hackathon and datathon by the UNDP Accelerator Lab in Kyrgyzstan. Mixed teams of IT and "
            "non-IT people from every region and the diaspora build solutions for their communities, coached by "
            "mentors; the shortlisted teams pitch to a jury."
        ),
        timezone="Asia/Bishkek", languages=["en", "ru", "ky"], min_team_size=2, max_team_size=6, is_published=True,
        applications_open_at=_bishkek(2021, 6, 1, 9, 0), applications_close_at=_bishkek(2021, 6, 20, 23, 59),
        hacking_starts_at=_bishkek(2021, 7, 2, 10, 0), submissions_close_at=_bishkek(2021, 7, 4, 12, 0),
        pitching_starts_at=_bishkek(2021, 7, 10, 14, 0), results_at=_bishkek(2021, 7, 10, 19, 0),
    )
    if not dmc.tracks:
        for position, (name, description) in enumerate(DMC_TRACKS, start=1):
            db.session.add(Track(event=dmc, name=name, description=description, position=position))

    day = now.astimezone(BISHKEK).replace(hour=9, minute=0, second=0, microsecond=0)
    upcoming = _event(
        "develop-my-community-2027",
        title="#DevelopMyCommunity 2027",
        description="The next edition: applications are open to individuals and teams from every region.",
        timezone="Asia/Bishkek", languages=["en", "ru", "ky"], min_team_size=2, max_team_size=5, is_published=True,
        applications_open_at=(day - timedelta(days=3)).astimezone(timezone.utc),
        applications_close_at=(day + timedelta(days=21)).astimezone(timezone.utc),
        hacking_starts_at=(day + timedelta(days=35)).astimezone(timezone.utc),
        submissions_close_at=(day + timedelta(days=37, hours=3)).astimezone(timezone.utc),
        pitching_starts_at=(day + timedelta(days=42, hours=5)).astimezone(timezone.utc),
        results_at=(day + timedelta(days=42, hours=10)).astimezone(timezone.utc),
    )
    if not upcoming.tracks:
        for position, (name, description) in enumerate(DMC_TRACKS[:3], start=1):
            db.session.add(Track(event=upcoming, name=name, description=description, position=position))
    db.session.flush()

    for event in (dmc, upcoming):
        _role(people["organiser@demo.test"], event, Role.organiser)
        for email in ("mentor1@demo.test", "mentor2@demo.test", "mentor3@demo.test"):
            _role(people[email], event, Role.mentor)
        for email in ("juror1@demo.test", "juror2@demo.test", "juror3@demo.test"):
            _role(people[email], event, Role.juror)
    # A mentor who also judges (later issues keep such people away from their own teams).
    _role(people["mentor2@demo.test"], dmc, Role.juror)

    if not _has_demo_applications(dmc):
        # Everyone aged 18+ in 2021 may apply; applicant1 is placed in a team on purpose.
        pool = [user for email, user in people.items()
                if email.startswith("applicant") and email != f"applicant1{DEMO_DOMAIN}"
                and user.year_of_birth is not None and 18 <= 2021 - user.year_of_birth <= 62] + generated
        _fill_2021(dmc, people["organiser@demo.test"], people[f"applicant1{DEMO_DOMAIN}"], pool)
    if not _has_demo_applications(upcoming):
        _fill_upcoming(upcoming, people, now)
    mentors = _mentor_accounts(accounts, people)
    db.session.flush()
    for mentor in mentors:
        _role(mentor, dmc, Role.mentor)
    if not _has_demo_mentoring(dmc):
        _fill_mentoring_2021(dmc, people, mentors)
    if not _has_demo_submissions(dmc):
        db.session.flush()
        _fill_submissions_2021(dmc, people)
    if not _has_demo_judging(dmc):
        db.session.flush()
        _fill_judging_2021(dmc, people, accounts)
    if not _has_demo_results(dmc):
        db.session.flush()
        _fill_pitch_and_results_2021(dmc, people)
    from hackathon.demo_live import load_live  # the third event, in the middle of hacking (dated from `now`)

    live = load_live(now, accounts, people, generated, DMC_TRACKS)
    db.session.commit()
    return _summary(dmc, upcoming) + f" {live.slug}: in the middle of hacking."


def _summary(dmc: Event, upcoming: Event) -> str:
    """One line: what the demo holds now."""
    users = db.session.scalar(select(func.count(User.id)))
    events = db.session.scalar(select(func.count(Event.id)))
    applications = dict(db.session.execute(
        select(Application.event_id, func.count(Application.id))
        .where(Application.status.not_in([ApplicationStatus.draft, ApplicationStatus.merged]))
        .group_by(Application.event_id)).all())
    confirmed = db.session.scalar(select(func.count(Application.id)).where(
        Application.event_id == dmc.id, Application.kind == ApplicationKind.team,
        Application.status == ApplicationStatus.confirmed))
    members = db.session.scalar(select(func.count(TeamMember.id)).where(TeamMember.event_id == dmc.id))
    drafts = db.session.scalar(select(func.count(Application.id)).where(
        Application.event_id == upcoming.id, Application.status == ApplicationStatus.draft))
    return (f"Demo ready: {events} events, {users} accounts; {dmc.slug}: {applications.get(dmc.id, 0)} applications, "
            f"{confirmed} confirmed teams of {members} team members; {upcoming.slug}: "
            f"{applications.get(upcoming.id, 0)} submitted and {drafts} draft applications.")
