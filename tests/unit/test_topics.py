"""Stored topics are names, not module paths: listed here so that none changes unnoticed.

Every topic the event log may hold is in GOLDEN below: the pinned topics, and the module
paths events were stored under before topics were pinned. A change to this list is a
migration of stored data and must be deliberate.
"""

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import construct_topic, resolve_topic

from domain.apikeys import ApiClientRegister
from domain.lexicons import LexiconRegister
from domain.casework import WORKFLOWS
from domain.directory import Department, StaffAccount
from domain.calendar import WorkSchedules
from domain.categories import CategoryRegister
from domain.reply_templates import ReplyTemplateRegister
from domain.consultations import ConsultationFile, ConsultationOpinion
from domain.oversight import Overseen
from domain.topics import topics_of

GOLDEN = """
domain.comment:Comment
domain.comment:Comment.Accepted
domain.comment:Comment.Closed
domain.comment:Comment.Created
domain.comment:Comment.DeadlineRecomputed
domain.comment:Comment.Dispatched
domain.comment:Comment.DraftSaved
domain.comment:Comment.Event
domain.comment:Comment.ExtensionDeclined
domain.comment:Comment.ExtensionGranted
domain.comment:Comment.ExtensionRequested
domain.comment:Comment.PhotoWithheld
domain.comment:Comment.PhotosAttached
domain.comment:Comment.PhotosPublished
domain.comment:Comment.QueryCodeReset
domain.comment:Comment.Rated
domain.comment:Comment.Redacted
domain.comment:Comment.Rejected
domain.comment:Comment.Released
domain.comment:Comment.Reminded
domain.comment:Comment.Reopened
domain.comment:Comment.ReplyDrafted
domain.comment:Comment.ReplyPublished
domain.comment:Comment.ReplySentBack
domain.comment:Comment.Returned
domain.comment:Comment.Submitted
domain.comment:Comment.Supervised
domain.comment:Comment.Transferred
domain.comment:Comment.Withheld
domain.directory:Department
domain.directory:Department.Created
domain.directory:Department.Deactivated
domain.directory:Department.Event
domain.directory:Department.MailboxSet
domain.directory:Department.OfficialNumbersSet
domain.directory:Department.Reactivated
domain.directory:Department.Registered
domain.directory:StaffAccount
domain.directory:StaffAccount.Created
domain.directory:StaffAccount.Deactivated
domain.directory:StaffAccount.DisplayNameChanged
domain.directory:StaffAccount.EmailSet
domain.directory:StaffAccount.Event
domain.directory:StaffAccount.PasswordChanged
domain.directory:StaffAccount.Reactivated
domain.directory:StaffAccount.Registered
domain.directory:StaffAccount.RolesChanged
minyi/apikeys:ApiClientRegister
minyi/apikeys:ApiClientRegister.ClientAdded
minyi/apikeys:ApiClientRegister.Created
minyi/apikeys:ApiClientRegister.Event
minyi/apikeys:ApiClientRegister.KeyRevoked
minyi/apikeys:ApiClientRegister.Opened
minyi/categories:CategoryRegister
minyi/categories:CategoryRegister.Added
minyi/categories:CategoryRegister.Created
minyi/categories:CategoryRegister.Event
minyi/categories:CategoryRegister.Opened
minyi/categories:CategoryRegister.Restored
minyi/categories:CategoryRegister.Retired
minyi/reply_templates:ReplyTemplateRegister
minyi/reply_templates:ReplyTemplateRegister.Created
minyi/reply_templates:ReplyTemplateRegister.Event
minyi/reply_templates:ReplyTemplateRegister.Opened
minyi/reply_templates:ReplyTemplateRegister.Removed
minyi/reply_templates:ReplyTemplateRegister.Saved
minyi/calendar:WorkSchedules
minyi/calendar:WorkSchedules.Created
minyi/calendar:WorkSchedules.Event
minyi/calendar:WorkSchedules.Opened
minyi/calendar:WorkSchedules.Published
minyi/comments:Comment
minyi/comments:Comment.Accepted
minyi/comments:Comment.Closed
minyi/comments:Comment.Created
minyi/comments:Comment.DeadlineRecomputed
minyi/comments:Comment.Dispatched
minyi/comments:Comment.DraftSaved
minyi/comments:Comment.Event
minyi/comments:Comment.ExtensionDeclined
minyi/comments:Comment.ExtensionGranted
minyi/comments:Comment.ExtensionRequested
minyi/comments:Comment.PhotoWithheld
minyi/comments:Comment.PhotosAttached
minyi/comments:Comment.PhotosPublished
minyi/comments:Comment.QueryCodeReset
minyi/comments:Comment.Rated
minyi/comments:Comment.Redacted
minyi/comments:Comment.Rejected
minyi/comments:Comment.Released
minyi/comments:Comment.Reminded
minyi/comments:Comment.Reopened
minyi/comments:Comment.ReplyDrafted
minyi/comments:Comment.ReplyPublished
minyi/comments:Comment.ReplySentBack
minyi/comments:Comment.Returned
minyi/comments:Comment.Submitted
minyi/comments:Comment.Supervised
minyi/comments:Comment.Transferred
minyi/comments:Comment.Withheld
minyi/directory:Department
minyi/directory:Department.Created
minyi/directory:Department.Deactivated
minyi/directory:Department.Event
minyi/directory:Department.MailboxSet
minyi/directory:Department.OfficialNumbersSet
minyi/directory:Department.Reactivated
minyi/directory:Department.Registered
minyi/directory:StaffAccount
minyi/directory:StaffAccount.Created
minyi/directory:StaffAccount.Deactivated
minyi/directory:StaffAccount.DisplayNameChanged
minyi/directory:StaffAccount.EmailSet
minyi/directory:StaffAccount.Event
minyi/directory:StaffAccount.PasswordChanged
minyi/directory:StaffAccount.Reactivated
minyi/directory:StaffAccount.Registered
minyi/directory:StaffAccount.RolesChanged
minyi/incidents:Incident
minyi/incidents:Incident.Assigned
minyi/incidents:Incident.ClockWarned
minyi/incidents:Incident.Closed
minyi/incidents:Incident.Created
minyi/incidents:Incident.Event
minyi/incidents:Incident.HandlingUpdated
minyi/incidents:Incident.LevelSet
minyi/incidents:Incident.Linked
minyi/incidents:Incident.Opened
minyi/incidents:Incident.ResponseStated
minyi/incidents:Incident.Unlinked
minyi/lexicons:LexiconRegister
minyi/lexicons:LexiconRegister.Created
minyi/lexicons:LexiconRegister.Event
minyi/lexicons:LexiconRegister.ExclusionAdded
minyi/lexicons:LexiconRegister.ExclusionRemoved
minyi/lexicons:LexiconRegister.Opened
minyi/lexicons:LexiconRegister.SettingsChanged
minyi/lexicons:LexiconRegister.TermRemoved
minyi/lexicons:LexiconRegister.TermSet
minyi/oversight:Overseen.Created
minyi/oversight:Overseen.Event
minyi/oversight:Overseen.DeadlineRecomputed
minyi/oversight:Overseen.Reminded
minyi/oversight:Overseen.Supervised
minyi/tickets:Ticket
minyi/tickets:Ticket.CalledBack
minyi/tickets:Ticket.Closed
minyi/tickets:Ticket.CoReleased
minyi/tickets:Ticket.CoReplied
minyi/tickets:Ticket.Created
minyi/tickets:Ticket.Dispatched
minyi/tickets:Ticket.Event
minyi/tickets:Ticket.ExtensionDeclined
minyi/tickets:Ticket.ExtensionGranted
minyi/tickets:Ticket.ExtensionRequested
minyi/tickets:Ticket.Published
minyi/tickets:Ticket.Registered
minyi/tickets:Ticket.DeadlineRecomputed
minyi/tickets:Ticket.Reminded
minyi/tickets:Ticket.Reopened
minyi/tickets:Ticket.Resolved
minyi/tickets:Ticket.Returned
minyi/tickets:Ticket.Signed
minyi/tickets:Ticket.Supervised
minyi/tickets:Ticket.Transferred
minyi/tickets:Ticket.Withheld
minyi/consultations:Consultation
minyi/consultations:Consultation.AdoptionPublished
minyi/consultations:Consultation.Created
minyi/consultations:Consultation.DecisionRecorded
minyi/consultations:Consultation.DraftPublished
minyi/consultations:Consultation.Event
minyi/consultations:Consultation.Extended
minyi/consultations:Consultation.FileAttached
minyi/consultations:Consultation.Listed
minyi/consultations:Consultation.MeetingRecorded
minyi/consultations:Consultation.RepresentativeOpinionAnswered
minyi/consultations:Consultation.RepresentativeOpinionRecorded
minyi/consultations:Consultation.SummarySentBack
minyi/consultations:Consultation.SummarySubmitted
minyi/consultations:ConsultationFile
minyi/consultations:ConsultationFile.Created
minyi/consultations:ConsultationFile.Event
minyi/consultations:ConsultationFile.Uploaded
minyi/consultations:ConsultationOpinion
minyi/consultations:ConsultationOpinion.Answered
minyi/consultations:ConsultationOpinion.Created
minyi/consultations:ConsultationOpinion.Event
minyi/consultations:ConsultationOpinion.Submitted
""".split()

AGGREGATES = (*(w.aggregate for w in WORKFLOWS), Department, StaffAccount, ApiClientRegister,
              LexiconRegister, CategoryRegister, ReplyTemplateRegister, WorkSchedules, ConsultationOpinion,
              ConsultationFile)


def classes():
    """Every aggregate class and every event class declared on one (and on their base)."""
    for aggregate in (*AGGREGATES, Overseen):
        if aggregate is not Overseen:  # an abstract base: only its events are stored
            yield aggregate
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, CanMutateAggregate):
                yield value


def test_every_topic_the_log_may_hold_is_in_the_golden_list():
    assert sorted(t for cls in classes() for t in topics_of(cls)) == sorted(GOLDEN)


def test_every_stored_topic_resolves_to_its_class():
    for cls in classes():
        for topic in topics_of(cls):
            assert resolve_topic(topic) is cls, topic


def test_topics_do_not_depend_on_where_a_class_lives(monkeypatch):
    for cls in classes():
        pinned = construct_topic(cls)
        monkeypatch.setattr(cls, "__module__", "somewhere.else")
        assert construct_topic(cls) == pinned
