"""Where each page lives on disk and the URLs that point at it, honouring the base path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.config import base_path_of


def day_dir(date: dt.date) -> str:
    return f"days/{date.isoformat()}/"


def day_markdown(date: dt.date) -> str:
    return f"days/{date.isoformat()}.md"


def paper_dir(paper_id: str) -> str:
    return f"papers/{paper_id}/"


def topic_dir(slug: str, page: int = 1) -> str:
    return f"topics/{slug}/" if page == 1 else f"topics/{slug}/page/{page}/"


def type_dir(slug: str, page: int = 1) -> str:
    return f"types/{slug}/" if page == 1 else f"types/{slug}/page/{page}/"


def topic_markdown(slug: str) -> str:
    return f"topics/{slug}.md"


def week_dir(monday: dt.date) -> str:
    """A week's page, named by its ISO week: weeks/2024-W33/."""
    year, week, _ = monday.isocalendar()
    return f"weeks/{year}-W{week:02d}/"


def month_dir(first: dt.date) -> str:
    return f"months/{first.year}-{first.month:02d}/"


def paper_bibtex(paper_id: str) -> str:
    return f"papers/{paper_id}/cite.bib"


def day_bibtex(date: dt.date) -> str:
    return f"days/{date.isoformat()}.bib"


def topic_bibtex(slug: str) -> str:
    return f"topics/{slug}.bib"


HOW_IT_IS_MADE = "how/"


def file_for(location: str) -> str:
    """The output file for a site location: folders get their index.html."""
    return location + "index.html" if location == "" or location.endswith("/") else location


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # absolute, ends with '/'

    @property
    def base_path(self) -> str:
        return base_path_of(self.base_url)

    def url(self, location: str) -> str:
        """A root-relative URL under the base path, e.g. /repo/days/2025-03-14/."""
        return self.base_path + location

    def absolute(self, location: str) -> str:
        return self.base_url + location
