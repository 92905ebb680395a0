"""Read models of major-decision pre-publication: the column, the catalogue, opinions."""

from .listing import ConsultationListing, ConsultationQueries

READ_MODELS = (ConsultationListing,)

__all__ = ["READ_MODELS", "ConsultationListing", "ConsultationQueries"]
