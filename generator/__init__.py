"""Print-ready multilingual awareness posters from campaign files (see README.md)."""

from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    """This tool's version: in every poster's inputs and in each PDF's Creator."""
    try:
        return version("poster-generator")
    except PackageNotFoundError:
        return "unknown"
