"""Major-decision pre-publication (重大决策预公开): the yearly catalogue, the draft open for
opinions, meetings with attending representatives, adoption and the decision."""

from .aggregate import (Consultation, ConsultationFile, ConsultationOpinion, consultation_id,
                        opinion_id)
from .commands import ConsultationCommands
from .states import (ADOPTION, FILE_ROLES, LISTED_PHASES, PARTICIPATION, PHASE_LABELS,
                     STATUS_LABELS, Phase, Status, days_left, phase)
from .workflow import CONSULTATIONS

__all__ = ["ADOPTION", "CONSULTATIONS", "Consultation", "ConsultationCommands",
           "ConsultationFile", "ConsultationOpinion", "FILE_ROLES", "LISTED_PHASES",
           "PARTICIPATION", "PHASE_LABELS", "STATUS_LABELS", "Phase", "Status",
           "consultation_id", "days_left", "opinion_id", "phase"]
