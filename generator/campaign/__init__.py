"""Campaign files: models, loading with line numbers, and the JSON Schema."""

from .loader import CampaignError, LoadedCampaign, Problem, load_campaign
from .models import (
    Campaign,
    Contact,
    Design,
    DesignOrder,
    FormatOrder,
    MessageSlot,
    Organisation,
    Placement,
    QrCode,
)

__all__ = [
    "Campaign",
    "CampaignError",
    "Contact",
    "Design",
    "DesignOrder",
    "FormatOrder",
    "LoadedCampaign",
    "MessageSlot",
    "Organisation",
    "Placement",
    "Problem",
    "QrCode",
    "load_campaign",
]


def json_schema() -> dict:
    """The JSON Schema of campaign files, for editors' completion and checking."""
    schema = Campaign.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Poster campaign"
    return schema
