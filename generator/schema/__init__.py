"""Campaign files: models, loading with line numbers, and the JSON Schema."""

from .loader import CampaignError, LoadedCampaign, Problem, load_campaign
from .models import Campaign, Contact, Design, FormatOrder, MessageSlot, Organisation, Placement

__all__ = [
    "Campaign",
    "CampaignError",
    "Contact",
    "Design",
    "FormatOrder",
    "LoadedCampaign",
    "MessageSlot",
    "Organisation",
    "Placement",
    "Problem",
    "load_campaign",
]


def json_schema() -> dict:
    """The JSON Schema of campaign files, for editors' completion and checking."""
    schema = Campaign.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Poster campaign"
    return schema
