"""What a published case can do for a court: the ``authority`` label of a case row (law table ``[precedent]``).

- ``guiding_case``: an SPC guiding case (指导性案例): courts shall refer to it in similar cases;
- ``case_library``: a reference case of the People's Court Case Library (人民法院案例库): courts shall search the
  library and may cite it in their reasons;
- ``procuratorate_guiding``: an SPP guiding case (检例): binding on procuratorates, persuasive for courts;
- ``published``: any other published case: reference only.

:func:`authority_of` reads the markers the table lists in a row's own provenance text (title, case number,
summary); labels known from the source but not written in the row come from an explicit list
(``seeds/cases/authority.toml``, applied by ``exposure data import-shared``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from features.law.table import LawTable, load_law_table
from features.law.vocab import Authority

# the strongest label first: a guiding case is also in the case library
ORDER = (Authority.guiding_case, Authority.case_library, Authority.procuratorate_guiding)
TEXT_FIELDS = ("source_title", "case_number", "summary_en")


def authority_of(row: Mapping[str, Any], law: LawTable | None = None) -> Authority | None:
    """The authority a row's own text names (None when it names none)."""
    law = law or load_law_table()
    text = " ".join(str(row.get(f) or "") for f in TEXT_FIELDS)
    for authority in ORDER:
        if any(marker in text for marker in law.precedent[authority.value].markers):
            return authority
    return None


def label(row: Mapping[str, Any], known: Mapping[str, str], law: LawTable | None = None) -> Authority | None:
    """The row's authority: an explicit label for its ``case_id``, else the one its text names, else
    ``published`` for a row with a source (address or title), else None."""
    case_id = str(row.get("case_id") or "")
    if case_id in known:
        return Authority(known[case_id])
    found = authority_of(row, law)
    if found is not None:
        return found
    if row.get("source_url") or row.get("source_title"):
        return Authority.published
    return None
