"""Every domain's models, imported so that Alembic and `flask shell` see them all."""
from hackathon.accounts.models import ApiToken, Background, Gender, User, UserSession  # noqa: F401
from hackathon.accounts.two_factor_models import RecoveryCode, TwoFactorCredential  # noqa: F401
from hackathon.applications.models import (Application, ApplicationQuestion, ApplicationRating,  # noqa: F401
                                           ApplicationSettings, InclusionSettings, MailTemplate)
from hackathon.audit import AuditEntry  # noqa: F401
from hackathon.events.models import Event, EventRole, Invitation, Role, Track  # noqa: F401
from hackathon.mail import OutboxMessage, OutboxStatus  # noqa: F401
from hackathon.replay import FormNonce  # noqa: F401
from hackathon.mentoring.models import (Challenge, CheckIn, HelpRequest, MentorAssignment,  # noqa: F401
                                        MentorConflict, MentoringSettings, MentorProfile, MentorReview,
                                        Milestone, RubricCriterion, TeamChallenge)
from hackathon.teams.models import Team, TeamInvitation, TeamMember  # noqa: F401
from hackathon.submissions.models import (Attachment, DeadlineExemption, StoredBlob, Submission,  # noqa: F401
                                          SubmissionSettings, SubmissionVersion)
from hackathon.judging.models import (JudgingCriterion, JudgingRound, JurorAssignment, JurorConflict,  # noqa: F401
                                      PitchSchedule, PitchSlot, ScoreSheet, ShortlistEntry)
from hackathon.results.models import Award, AwardWinner, Certificate, ResultSettings  # noqa: F401,E402
from hackathon.privacy.models import (ConsentRecord, ConsentVersion, DataRequest, ErasedAccount,  # noqa: F401,E402
                                      PrivacySettings)
from hackathon.announcements.models import (Announcement, AnnouncementDelivery,  # noqa: F401,E402
                                            AnnouncementPreference)
from hackathon.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401,E402
