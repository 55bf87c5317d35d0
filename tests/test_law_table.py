"""The law, row by row: a table of cases written from the text of the law, each naming its article and why.

Sources: Criminal Law Art. 253-1 (as amended by Amendment IX, in force 2015-11-01), Arts. 12, 23, 27, 42, 45, 63, 65,
67, 72-74; the SPC/SPP Interpretation 法释〔2017〕10号 ("Interp. 2017") Arts. 5, 6, 10, 12; the contested readings of
law_2017.toml [contested] (SPC Guiding Cases Nos. 192 and 193, (2019)川0823刑初51号, 检例第140号). Every expected
number is written out here from the law (thresholds 50 / 500 / 5,000 records, 5,000 yuan, insiders half, ten times
for "especially serious", ranges 0-36 and 36-84 months, probation up to 36 months), never read from the engine's
table. The last tests check, for every row, that each reading's case_update makes that reading certain and that
the top-level consequences belong to the band's reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from features.law.schema import CriminalCase, parse_case
from features.law.statutory import BandResult, statutory_band
from features.law.table import load_law_table
from features.law.vocab import Band

NONE, SERIOUS, ESPECIALLY = Band.none, Band.serious, Band.especially_serious
SERIOUS_RANGE, ESPECIALLY_RANGE = (0.0, 36.0), (36.0, 84.0)
SELLS: dict[str, Any] = {"insider": True, "conduct": ["sell"]}
BUYER: dict[str, Any] = {"lawful_business_purpose": True}
REMORSE: dict[str, Any] = {"restitution": True, "guilty_plea": True}


@dataclass(frozen=True)
class Row:
    article: str
    reason: str
    facts: dict[str, Any]
    band: Band
    readings: tuple[Band, ...] = ()  # the bands of the readings, most severe first, when the band is uncertain
    rule: str | None = None  # an article among the rules of the band's reading
    range: tuple[float, float] | None = None
    fine_mandatory: bool | None = None
    probation: bool | None = None
    exemption: bool | None = None
    old_law: bool | None = None
    determined: bool = True
    law_readings: dict[str, str] = field(default_factory=dict)
    contested: tuple[tuple[str, str, Band], ...] | None = None  # (data type, other category, band under it)


def _rows() -> list[Row]:
    a = "Interp. 2017 Art. "
    rows = [
        # --- Art. 5(1)(3): whereabouts, communication content, credit, property: 50 records; x10 = 500
        Row(
            a + "5(1)(3)",
            "49 credit records are one below 50",
            {"records_total": 49, "data_types": ["credit"]},
            NONE,
        ),
        Row(
            a + "5(1)(3)",
            "50 credit records reach 50",
            {"records_total": 50, "data_types": ["credit"]},
            SERIOUS,
            rule=a + "5(1)(3)",
            range=SERIOUS_RANGE,
            fine_mandatory=False,
        ),
        Row(
            a + "5(1)(3)",
            "499 whereabouts records are below ten times 50",
            {"records_total": 499, "data_types": ["whereabouts"]},
            SERIOUS,
        ),
        Row(
            a + "5(2)(3)",
            "500 whereabouts records are ten times 50",
            {"records_total": 500, "data_types": ["whereabouts"]},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(3)]",
            range=ESPECIALLY_RANGE,
            fine_mandatory=True,
        ),
        Row(
            a + "5(1)(3)",
            "property information counts at 50",
            {"records_total": 50, "data_types": ["property"]},
            SERIOUS,
        ),
        Row(
            a + "5(2)(3)",
            "communication content x10 = 500",
            {"records_total": 500, "data_types": ["communication_content"]},
            ESPECIALLY,
        ),
        Row(
            a + "5(1)(3)",
            "bank and payment account data are property information",
            {"records_total": 50, "data_types": ["financial_account"]},
            SERIOUS,
        ),
        # --- Art. 5(1)(4): lodging, communication records, health, transaction: 500; x10 = 5,000
        Row(
            a + "5(1)(4)",
            "499 lodging records are one below 500",
            {"records_total": 499, "data_types": ["lodging"]},
            NONE,
        ),
        Row(
            a + "5(1)(4)",
            "500 lodging records reach 500",
            {"records_total": 500, "data_types": ["lodging"]},
            SERIOUS,
            rule=a + "5(1)(4)",
        ),
        Row(
            a + "5(1)(4)",
            "4,999 call records are below 5,000",
            {"records_total": 4999, "data_types": ["communication_records"]},
            SERIOUS,
        ),
        Row(
            a + "5(2)(3)",
            "5,000 health records are ten times 500",
            {"records_total": 5000, "data_types": ["health"]},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(4)]",
        ),
        Row(
            a + "5(1)(4)",
            "transaction records count at 500",
            {"records_total": 500, "data_types": ["transaction"]},
            SERIOUS,
        ),
        # --- Art. 5(1)(5): other personal information: 5,000; x10 = 50,000
        Row(
            a + "5(1)(5)",
            "4,999 identity records are one below 5,000",
            {"records_total": 4999, "data_types": ["identity"]},
            NONE,
        ),
        Row(
            a + "5(1)(5)",
            "5,000 identity records reach 5,000",
            {"records_total": 5000, "data_types": ["identity"]},
            SERIOUS,
            rule=a + "5(1)(5)",
        ),
        Row(
            a + "5(1)(5)",
            "49,999 phone records are below 50,000",
            {"records_total": 49999, "data_types": ["contact"]},
            SERIOUS,
        ),
        Row(
            a + "5(2)(3)",
            "50,000 address records are ten times 5,000",
            {"records_total": 50000, "data_types": ["address"]},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(5)]",
        ),
        Row(a + "5(1)(5)", "records of no stated type are other information", {"records_total": 5000}, SERIOUS),
        Row(
            a + "5(1)(5)",
            "education records are other information",
            {"records_total": 5000, "data_types": ["education"]},
            SERIOUS,
        ),
        # --- Art. 5(1)(7): illegal gains 5,000 yuan; x10 = 50,000
        Row(a + "5(1)(7)", "4,999 yuan is one below 5,000", {"illegal_profit_yuan": 4999}, NONE),
        Row(
            a + "5(1)(7)",
            "5,000 yuan of gains reach 5,000",
            {"illegal_profit_yuan": 5000},
            SERIOUS,
            rule=a + "5(1)(7)",
        ),
        Row(a + "5(1)(7)", "49,999 yuan is below ten times", {"illegal_profit_yuan": 49999}, SERIOUS),
        Row(
            a + "5(2)(3)",
            "50,000 yuan is ten times 5,000",
            {"illegal_profit_yuan": 50000},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(7)]",
        ),
        Row(a + "5(1)(7)", "sales stand in for unknown gains", {"sales_yuan": 5000}, SERIOUS),
        Row(a + "5(1)(7)", "known gains win over sales", {"illegal_profit_yuan": 4000, "sales_yuan": 60000}, NONE),
        # --- Art. 5(1)(8): an insider who sells or provides data obtained in the duties: half of (3)-(7)
        Row(
            a + "5(1)(8)",
            "half of 50 is 25: 24 is below",
            {"records_total": 24, "data_types": ["credit"], **SELLS},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "half of 50 is 25",
            {"records_total": 25, "data_types": ["credit"], **SELLS},
            SERIOUS,
            rule=a + "5(1)(3) + 5(1)(8)",
        ),
        Row(
            a + "5(1)(8)",
            "249 is below ten times 25",
            {"records_total": 249, "data_types": ["property"], **SELLS},
            SERIOUS,
        ),
        Row(
            a + "5(1)(8) + 5(2)(3)",
            "ten times 25 is 250",
            {"records_total": 250, "data_types": ["property"], **SELLS},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(3) + 5(1)(8)]",
        ),
        Row(
            a + "5(1)(8)",
            "half of 500 is 250: 249 is below",
            {"records_total": 249, "data_types": ["lodging"], **SELLS},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "half of 500 is 250",
            {"records_total": 250, "data_types": ["lodging"], **SELLS},
            SERIOUS,
            rule=a + "5(1)(4) + 5(1)(8)",
        ),
        Row(
            a + "5(1)(8)",
            "half of 5,000 is 2,500: 2,499 is below",
            {"records_total": 2499, "data_types": ["identity"], **SELLS},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "half of 5,000 is 2,500",
            {"records_total": 2500, "data_types": ["identity"], **SELLS},
            SERIOUS,
        ),
        Row(
            a + "5(1)(8)",
            "24,999 is below ten times 2,500",
            {"records_total": 24999, "data_types": ["identity"], **SELLS},
            SERIOUS,
        ),
        Row(
            a + "5(1)(8) + 5(2)(3)",
            "ten times 2,500 is 25,000",
            {"records_total": 25000, "data_types": ["identity"], **SELLS},
            ESPECIALLY,
        ),
        Row(
            a + "5(1)(8)",
            "half of 5,000 yuan is 2,500: 2,499 is below",
            {"illegal_profit_yuan": 2499, **SELLS},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "half of 5,000 yuan is 2,500",
            {"illegal_profit_yuan": 2500, **SELLS},
            SERIOUS,
            rule=a + "5(1)(7) + 5(1)(8)",
        ),
        Row(a + "5(1)(8) + 5(2)(3)", "ten times 2,500 yuan", {"illegal_profit_yuan": 25000, **SELLS}, ESPECIALLY),
        Row(
            a + "5(1)(8)",
            "providing is halved like selling",
            {"records_total": 25, "data_types": ["credit"], "insider": True, "conduct": ["provide"]},
            SERIOUS,
        ),
        Row(
            a + "5(1)(8)",
            "leaking to others is providing",
            {"records_total": 25, "data_types": ["credit"], "insider": True, "conduct": ["leak"]},
            SERIOUS,
        ),
        Row(
            a + "5(1)(8)",
            "an insider who only buys is not halved",
            {"records_total": 25, "data_types": ["credit"], "insider": True, "conduct": ["obtain_purchase"]},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "an insider who only buys: gains not halved either",
            {"illegal_profit_yuan": 2500, "insider": True, "conduct": ["obtain_purchase"]},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "an outsider who sells has the full thresholds",
            {"records_total": 25, "data_types": ["credit"], "conduct": ["sell"]},
            NONE,
        ),
        Row(
            a + "5(1)(8)",
            "an insider whose conduct is unknown: halved only if the data were sold or provided",
            {"records_total": 25, "data_types": ["credit"], "insider": True},
            NONE,
            readings=(SERIOUS, NONE),
        ),
        Row(
            a + "5(1)(8)",
            "halved records and halved gains together",
            {"records_total": 250, "data_types": ["lodging"], "illegal_profit_yuan": 2500, **SELLS},
            SERIOUS,
        ),
        # --- Art. 5(1)(6): several types pro rata
        Row(
            a + "5(1)(6)",
            "30/50 + 200/500 = 1",
            {"records_by_type": {"credit": 30, "lodging": 200}},
            SERIOUS,
            rule=a + "5(1)(6)",
        ),
        Row(a + "5(1)(6)", "29/50 + 200/500 = 0.98", {"records_by_type": {"credit": 29, "lodging": 200}}, NONE),
        Row(
            a + "5(1)(6)",
            "30/50 + 150/500 + 500/5,000 = exactly 1",
            {"records_by_type": {"credit": 30, "lodging": 150, "identity": 500}},
            SERIOUS,
            rule=a + "5(1)(6)",
        ),
        Row(
            a + "5(1)(6)",
            "30/50 + 150/500 + 499/5,000 is below 1",
            {"records_by_type": {"credit": 30, "lodging": 150, "identity": 499}},
            NONE,
        ),
        Row(
            a + "5(1)(6) + 5(2)(3)",
            "300/50 + 2,000/500 = 10",
            {"records_by_type": {"credit": 300, "lodging": 2000}},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(6)]",
        ),
        Row(
            a + "5(1)(6)",
            "299/50 + 2,000/500 = 9.98",
            {"records_by_type": {"credit": 299, "lodging": 2000}},
            SERIOUS,
        ),
        Row(
            a + "5(1)(6) + 5(1)(8)",
            "insider: 15/25 + 100/250 = 1",
            {"records_by_type": {"credit": 15, "lodging": 100}, **SELLS},
            SERIOUS,
            rule=a + "5(1)(6) + 5(1)(8)",
        ),
        Row(
            a + "5(1)(6) + 5(1)(8)",
            "insider: 14/25 + 100/250 = 0.96",
            {"records_by_type": {"credit": 14, "lodging": 100}, **SELLS},
            NONE,
        ),
        Row(
            a + "5(1)(6)",
            "2,500/5,000 + 250/500 = 1",
            {"records_by_type": {"identity": 2500, "lodging": 250}},
            SERIOUS,
        ),
        Row(
            a + "5(1)(6) + 5(2)(3)",
            "25,000/5,000 + 2,500/500 = 10",
            {"records_by_type": {"identity": 25000, "lodging": 2500}},
            ESPECIALLY,
        ),
        # --- records not split by type: every band the possible splits allow
        Row(
            a + "5(1)(3), 5(1)(5)",
            "100 credit-or-identity records: serious if at least 50 are credit",
            {"records_total": 100, "data_types": ["credit", "identity"]},
            NONE,
            readings=(SERIOUS, NONE),
        ),
        Row(
            a + "5(1)(3)-(4)",
            "600 whereabouts-or-lodging records: especially serious if at least 489 are whereabouts",
            {"records_total": 600, "data_types": ["whereabouts", "lodging"]},
            SERIOUS,
            readings=(ESPECIALLY, SERIOUS),
            range=SERIOUS_RANGE,
            fine_mandatory=False,
        ),
        Row(
            a + "5(1)(3), 5(1)(5), 5(2)(3)",
            "1,800 identity-or-credit records span all three bands",
            {"records_total": 1800, "data_types": ["identity", "credit"]},
            NONE,
            readings=(ESPECIALLY, SERIOUS, NONE),
            fine_mandatory=False,
        ),
        Row(
            a + "5(1)(3), 5(1)(5)",
            "600 credit-or-identity records: the top level is the none reading's, no mandatory fine",
            {"records_total": 600, "data_types": ["credit", "identity"]},
            NONE,
            readings=(ESPECIALLY, SERIOUS, NONE),
            fine_mandatory=False,
            range=SERIOUS_RANGE,
        ),
        Row(
            a + "5(1)(4)",
            "types of one category: the split does not matter",
            {"records_total": 600, "data_types": ["lodging", "health"]},
            SERIOUS,
        ),
        Row(
            a + "5(1)(4)-(5)",
            "5,100 records not split: other data (serious) or lodging (especially serious)",
            {"records_total": 5200, "records_by_type": {"lodging": 100}},
            SERIOUS,
            readings=(ESPECIALLY, SERIOUS),
        ),
        Row(
            a + "5(1)(5)",
            "a full split leaves nothing to attribute",
            {"records_total": 5000, "records_by_type": {"identity": 5000}, "data_types": ["identity", "credit"]},
            SERIOUS,
        ),
        # --- circumstances other than numbers
        Row(
            a + "5(1)(1)",
            "whereabouts provided were used for a crime",
            {"records_total": 10, "data_types": ["whereabouts"], "whereabouts_used_for_crime": True},
            SERIOUS,
            rule=a + "5(1)(1)",
        ),
        Row(
            a + "5(1)(2)",
            "knew the buyer would commit a crime",
            {"records_total": 10, "knew_buyer_criminal": True},
            SERIOUS,
            rule=a + "5(1)(2)",
        ),
        Row(
            a + "5(1)(9)",
            "punished before for the same conduct",
            {"records_total": 10, "prior_punishment_same_conduct": True},
            SERIOUS,
            rule=a + "5(1)(9)",
        ),
        Row(
            a + "5(2)(1)",
            "death, injury, mental illness or kidnapping caused",
            {"records_total": 10, "severe_consequences": True},
            ESPECIALLY,
            rule=a + "5(2)(1)",
        ),
        Row(
            a + "5(2)(2)",
            "heavy economic loss or vicious impact",
            {"records_total": 10, "heavy_loss_or_vicious_impact": True},
            ESPECIALLY,
            rule=a + "5(2)(2)",
        ),
        Row(a + "5(1)(9)", "a flag alone determines the band", {"prior_punishment_same_conduct": True}, SERIOUS),
        # --- Art. 6: buying or receiving general data for a lawful business
        Row(
            a + "6(1)(1)",
            "profit below 50,000 yuan: records do not count",
            {
                "records_total": 100000,
                "data_types": ["identity"],
                "conduct": ["obtain_purchase"],
                "illegal_profit_yuan": 49999,
                **BUYER,
            },
            NONE,
        ),
        Row(
            a + "6(1)(1)",
            "profit of 50,000 yuan",
            {
                "records_total": 100000,
                "data_types": ["identity"],
                "conduct": ["obtain_purchase"],
                "illegal_profit_yuan": 50000,
                **BUYER,
            },
            SERIOUS,
            rule=a + "6(1)(1)",
        ),
        Row(
            a + "6(1)",
            "Art. 6 has no especially serious band",
            {"data_types": ["contact"], "conduct": ["obtain_purchase"], "illegal_profit_yuan": 5000000, **BUYER},
            SERIOUS,
            range=SERIOUS_RANGE,
        ),
        Row(
            a + "6(1)(2)",
            "a buyer punished before buys again",
            {"records_total": 10, "conduct": ["obtain_purchase"], "prior_punishment_same_conduct": True, **BUYER},
            SERIOUS,
            rule=a + "6(1)(2)",
        ),
        Row(
            a + "6(1)(1)",
            "a buyer's profit unknown: the band is not set",
            {"records_total": 100000, "data_types": ["identity"], "conduct": ["obtain_purchase"], **BUYER},
            NONE,
            readings=(SERIOUS, NONE),
            determined=False,
        ),
        Row(
            a + "6(1), 5(2)(3)",
            "scraping is not buying: 200,000 identity records are judged under Art. 5",
            {"records_total": 200000, "data_types": ["identity"], "conduct": ["scrape"], **BUYER},
            ESPECIALLY,
            rule=a + "5(2)(3) [10x 5(1)(5)]",
        ),
        Row(
            a + "6(1), 5(1)(5)",
            "hacking is not buying: 6,000 identity records are judged under Art. 5",
            {"records_total": 6000, "data_types": ["identity"], "conduct": ["steal_hack"], **BUYER},
            SERIOUS,
            rule=a + "5(1)(5)",
        ),
        Row(
            a + "6(1), 5(2)(3)",
            "collecting without consent is not buying",
            {"records_total": 60000, "data_types": ["contact"], "conduct": ["collect_without_consent"], **BUYER},
            ESPECIALLY,
        ),
        Row(
            a + "6(2)",
            "a buyer who sells the data is judged under Art. 5",
            {"records_total": 5000, "data_types": ["identity"], "conduct": ["obtain_purchase", "sell"], **BUYER},
            SERIOUS,
            rule=a + "5(1)(5)",
        ),
        Row(
            a + "6(2)",
            "a buyer who provides the data is judged under Art. 5",
            {
                "records_total": 50000,
                "data_types": ["identity"],
                "conduct": ["obtain_purchase", "provide"],
                **BUYER,
            },
            ESPECIALLY,
        ),
        Row(
            a + "6(1)",
            "a business buyer whose conduct is unknown: Art. 6 or Art. 5",
            {"records_total": 200000, "data_types": ["identity"], **BUYER},
            NONE,
            readings=(ESPECIALLY, SERIOUS, NONE),
            determined=False,
        ),
        Row(
            a + "6(1), 5(1)(3)",
            "credit data are outside Art. 6",
            {
                "records_by_type": {"credit": 50},
                "data_types": ["identity", "credit"],
                "conduct": ["obtain_purchase"],
                **BUYER,
            },
            SERIOUS,
            rule=a + "5(1)(3)",
        ),
        Row(
            a + "6(1), 5(1)(4)",
            "lodging data are outside Art. 6",
            {"records_total": 500, "data_types": ["lodging"], "conduct": ["obtain_purchase"], **BUYER},
            SERIOUS,
            rule=a + "5(1)(4)",
        ),
        Row(
            a + "6(1)",
            "'used' alone does not say how the data were obtained",
            {
                "records_total": 200000,
                "data_types": ["identity"],
                "conduct": ["use"],
                "illegal_profit_yuan": 1000,
                **BUYER,
            },
            NONE,
            readings=(ESPECIALLY, NONE),
        ),
        Row(
            a + "6(1)(1)",
            "bought and used in the business, profit 60,000",
            {
                "data_types": ["identity"],
                "conduct": ["obtain_purchase", "use"],
                "illegal_profit_yuan": 60000,
                **BUYER,
            },
            SERIOUS,
            rule=a + "6(1)(1)",
        ),
        # --- Art. 10: exemption (not especially serious, first offence, all gains returned, remorse)
        Row(
            a + "10",
            "serious, gains returned, plea",
            {"records_total": 50, "data_types": ["credit"], **REMORSE},
            SERIOUS,
            exemption=True,
        ),
        Row(
            a + "10",
            "surrender shows remorse",
            {"records_total": 50, "data_types": ["credit"], "restitution": True, "surrender": True},
            SERIOUS,
            exemption=True,
        ),
        Row(
            a + "10",
            "never when especially serious",
            {"records_total": 500, "data_types": ["credit"], **REMORSE},
            ESPECIALLY,
            exemption=False,
        ),
        Row(
            a + "10",
            "not for a recidivist",
            {"records_total": 50, "data_types": ["credit"], "recidivist": True, **REMORSE},
            SERIOUS,
            exemption=False,
        ),
        Row(
            a + "10",
            "not a first offence",
            {"records_total": 50, "data_types": ["credit"], "prior_punishment_same_conduct": True, **REMORSE},
            SERIOUS,
            exemption=False,
        ),
        Row(
            a + "10",
            "gains not returned",
            {"records_total": 50, "data_types": ["credit"], "guilty_plea": True},
            SERIOUS,
            exemption=False,
        ),
        Row(
            a + "10",
            "no sign of remorse",
            {"records_total": 50, "data_types": ["credit"], "restitution": True},
            SERIOUS,
            exemption=False,
        ),
        # --- Criminal Law Art. 63: mitigation below the band's minimum
        Row(
            "Criminal Law Art. 63, 67",
            "surrender lowers the floor of 36 months",
            {"records_total": 500, "data_types": ["credit"], "surrender": True},
            ESPECIALLY,
            range=(0.0, 84.0),
        ),
        Row(
            "Criminal Law Art. 63, 27",
            "an accessory",
            {"records_total": 500, "data_types": ["credit"], "role": "accessory"},
            ESPECIALLY,
            range=(0.0, 84.0),
        ),
        Row(
            "Criminal Law Art. 63, 23",
            "an attempt",
            {"records_total": 500, "data_types": ["credit"], "attempt": True},
            ESPECIALLY,
            range=(0.0, 84.0),
        ),
        Row(
            "Criminal Law Art. 63",
            "a confession alone keeps the floor",
            {"records_total": 500, "data_types": ["credit"], "truthful_confession": True},
            ESPECIALLY,
            range=ESPECIALLY_RANGE,
        ),
        # --- Criminal Law Arts. 72-74: probation
        Row(
            "Criminal Law Art. 72",
            "serious: terms up to 36 months",
            {"records_total": 50, "data_types": ["credit"]},
            SERIOUS,
            probation=True,
        ),
        Row(
            "Criminal Law Art. 72",
            "especially serious: 36 months is the minimum and still allows probation",
            {"records_total": 500, "data_types": ["credit"]},
            ESPECIALLY,
            probation=True,
        ),
        Row(
            "Criminal Law Art. 74",
            "never for a recidivist",
            {"records_total": 50, "data_types": ["credit"], "recidivist": True},
            SERIOUS,
            probation=False,
        ),
        Row(
            "Criminal Law Art. 74",
            "never for a ringleader of a criminal group",
            {"records_total": 50, "data_types": ["credit"], "ringleader": True},
            SERIOUS,
            probation=False,
        ),
        Row(
            "Criminal Law Art. 74",
            "a ringleader, especially serious",
            {"records_total": 500, "data_types": ["credit"], "ringleader": True},
            ESPECIALLY,
            probation=False,
        ),
        Row(
            "Criminal Law Art. 74",
            "a recidivist whose band is not set",
            {"recidivist": True},
            NONE,
            readings=(ESPECIALLY, SERIOUS, NONE),
            probation=False,
            determined=False,
        ),
        # --- Interp. 2017 Art. 12: the fine
        Row(
            a + "12",
            "a fine of one to five times the gains is the guideline",
            {"illegal_profit_yuan": 8000},
            SERIOUS,
            fine_mandatory=False,
        ),
        # --- the time of the act: Criminal Law Art. 12, Amendment IX in force 2015-11-01
        Row(
            "Criminal Law Art. 12",
            "a last act on 2015-10-31 precedes the amendment: old article, at most 36 months",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2015-10-31"},
            ESPECIALLY,
            old_law=True,
            range=SERIOUS_RANGE,
            fine_mandatory=False,
        ),
        Row(
            "Criminal Law Art. 12",
            "a last act on 2015-11-01 falls under the amended article",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2015-11-01"},
            ESPECIALLY,
            old_law=False,
            range=ESPECIALLY_RANGE,
            fine_mandatory=True,
        ),
        Row(
            "Criminal Law Art. 12",
            "October 2015 is before the amendment",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2015-10"},
            ESPECIALLY,
            old_law=True,
        ),
        Row(
            "Criminal Law Art. 12",
            "November 2015 is from the amendment on",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2015-11"},
            ESPECIALLY,
            old_law=False,
        ),
        Row(
            "Criminal Law Art. 12",
            "'2015' does not say which side: the amended article, with a note",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2015"},
            ESPECIALLY,
            old_law=False,
            range=ESPECIALLY_RANGE,
        ),
        Row(
            "Criminal Law Art. 12",
            "2014 is before the amendment",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2014"},
            ESPECIALLY,
            old_law=True,
        ),
        Row(
            "Criminal Law Art. 12",
            "2016 is after",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2016"},
            ESPECIALLY,
            old_law=False,
        ),
        Row(
            "Criminal Law Art. 12",
            "a 2017 judgment of 2014 conduct: the old article caps at 36 months",
            {"records_total": 500, "data_types": ["credit"], "year": 2017, "conduct_date": "2014-03"},
            ESPECIALLY,
            old_law=True,
            range=SERIOUS_RANGE,
        ),
        Row(
            "Criminal Law Art. 12",
            "a 2015 judgment of conduct after 2015-11-01 is not capped",
            {"records_total": 500, "data_types": ["credit"], "year": 2015, "conduct_date": "2015-11-20"},
            ESPECIALLY,
            old_law=False,
            range=ESPECIALLY_RANGE,
        ),
        Row(
            "Criminal Law Art. 12",
            "a 2015 judgment with no conduct date: conduct before the amendment",
            {"records_total": 500, "data_types": ["credit"], "year": 2015},
            ESPECIALLY,
            old_law=True,
        ),
        Row(
            "Criminal Law Art. 12",
            "a 2016 judgment with no conduct date: the amended article",
            {"records_total": 500, "data_types": ["credit"], "year": 2016},
            ESPECIALLY,
            old_law=False,
        ),
        Row(
            "Criminal Law Art. 12",
            "a continuing offence from 2014 to February 2016: the last act decides",
            {"records_total": 500, "data_types": ["credit"], "conduct_date": "2016-02"},
            ESPECIALLY,
            old_law=False,
        ),
        Row(
            "Criminal Law Art. 12",
            "the old article has the same range for a serious case",
            {"records_total": 50, "data_types": ["credit"], "conduct_date": "2014"},
            SERIOUS,
            old_law=True,
            range=SERIOUS_RANGE,
        ),
        # --- contested readings (law_2017.toml [contested])
        Row(
            "(2019)川0823刑初51号; SPP Guide 2018",
            "vehicle data are general by default; property information as A",
            {"records_total": 6000, "data_types": ["vehicle"], "conduct": ["sell"]},
            SERIOUS,
            contested=(("vehicle", "A", ESPECIALLY),),
        ),
        Row(
            "(2019)川0823刑初51号; SPP Guide 2018",
            "vehicle read as property information",
            {"records_total": 6000, "data_types": ["vehicle"], "conduct": ["sell"]},
            ESPECIALLY,
            law_readings={"vehicle": "A"},
            contested=(("vehicle", "C", SERIOUS),),
        ),
        Row(
            "SPC Guiding Case No. 192",
            "face data are health and physiological information (500)",
            {"records_total": 600, "data_types": ["biometric"], "conduct": ["steal_hack"]},
            SERIOUS,
            contested=(("biometric", "C", NONE),),
        ),
        Row(
            "SPC Guiding Case No. 192",
            "face data read as general information",
            {"records_total": 600, "data_types": ["biometric"], "conduct": ["steal_hack"]},
            NONE,
            law_readings={"biometric": "C"},
        ),
        Row(
            "检例第140号",
            "owner data are transaction information by default",
            {"records_total": 600, "data_types": ["real_estate"], "conduct": ["sell"]},
            SERIOUS,
            contested=(("real_estate", "A", ESPECIALLY), ("real_estate", "C", NONE)),
        ),
        Row(
            "检例第140号",
            "owner data read as property information",
            {"records_total": 600, "data_types": ["real_estate"], "conduct": ["sell"]},
            ESPECIALLY,
            law_readings={"real_estate": "A"},
        ),
        Row(
            "SPC Guiding Case No. 193",
            "identity data are general by default; full ID-card data are B",
            {"records_total": 6000, "data_types": ["identity"], "conduct": ["sell"]},
            SERIOUS,
            contested=(("identity", "B", ESPECIALLY),),
        ),
        Row(
            "SPC Guiding Case No. 193",
            "identity read as ID-card data (500 / 5,000)",
            {"records_total": 6000, "data_types": ["identity"], "conduct": ["sell"]},
            ESPECIALLY,
            law_readings={"identity": "B"},
        ),
        Row(
            "王治 2018; Interp. 2017 Art. 1",
            "account credentials are general by default, property information as A",
            {"records_total": 100, "data_types": ["account_password"], "conduct": ["sell"]},
            NONE,
            contested=(("account_password", "A", SERIOUS),),
        ),
        Row(
            "law table [contested.parcel]",
            "parcel slips have no other reading",
            {"records_total": 6000, "data_types": ["parcel"], "conduct": ["sell"]},
            SERIOUS,
            contested=(),
        ),
        Row(
            "检例第140号",
            "a contested type that does not change the band is not reported",
            {"records_total": 60000, "data_types": ["real_estate"], "conduct": ["sell"]},
            ESPECIALLY,
            contested=(("real_estate", "C", ESPECIALLY),),
        ),
        Row(
            a + "6(1); (2019)川0823刑初51号",
            "Art. 6 covers vehicle data only while they are general",
            {
                "records_total": 6000,
                "data_types": ["vehicle"],
                "conduct": ["obtain_purchase"],
                "illegal_profit_yuan": 1000,
                **BUYER,
            },
            ESPECIALLY,
            law_readings={"vehicle": "A"},
        ),
    ]
    return rows


ROWS = _rows()


def _result(row: Row) -> BandResult:
    case = parse_case(row.facts)
    assert isinstance(case, CriminalCase)
    return statutory_band(case, load_law_table(readings=row.law_readings))


def test_the_table_is_large_and_every_row_cites_and_explains() -> None:
    assert len(ROWS) >= 100
    for row in ROWS:
        assert row.article and row.reason
        assert "Art." in row.article or "号" in row.article or "Case" in row.article or "table" in row.article


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d} {r.article}: {r.reason}" for i, r in enumerate(ROWS)])
def test_the_law(row: Row) -> None:
    result = _result(row)
    assert result.band is row.band, (row.article, row.reason)
    assert result.determined is row.determined
    if row.readings:
        assert result.band_certain is False
        assert tuple(r.band for r in result.readings) == row.readings
    else:
        assert result.band_certain is row.determined
        assert len(result.readings) == 1 or not row.determined
    reading = result.readings[-1]  # the band's reading (the lower)
    if row.rule is not None:
        assert row.rule in {r.article for r in reading.rules}, [r.article for r in reading.rules]
    if row.range is not None:
        assert result.custodial_range_months == row.range
    if row.fine_mandatory is not None:
        assert result.fine_mandatory is row.fine_mandatory
    if row.probation is not None:
        assert result.probation_possible is row.probation
        assert all(r.probation_possible is row.probation for r in result.readings)
    if row.exemption is not None:
        assert result.exemption_possible is row.exemption
    if row.old_law is not None:
        assert result.old_law is row.old_law
    if row.contested is not None:
        got = {(c.data_type.value, c.other_category, c.band_under_other) for c in result.contested}
        expected = {c for c in row.contested if c[2] is not result.band}
        assert got == expected


def test_the_fine_guideline_is_one_to_five_times_the_gains() -> None:
    # Interp. 2017 Art. 12: 8,000 yuan of gains -> 8,000 to 40,000 yuan
    assert _result(Row("", "", {"illegal_profit_yuan": 8000}, SERIOUS)).fine_guideline_yuan == (8000.0, 40000.0)
    assert (
        _result(Row("", "", {"records_total": 50, "data_types": ["credit"]}, SERIOUS)).fine_guideline_yuan is None
    )
    assert _result(Row("", "", {"illegal_profit_yuan": 0}, NONE)).fine_guideline_yuan is None


def test_an_undetermined_case_gives_the_thresholds_of_its_data_types() -> None:
    # identity (category C): under 5,000 no crime on the numbers; 5,000-49,999 serious; 50,000 or more especially
    result = _result(Row("", "", {"data_types": ["identity"], "conduct": ["sell"]}, NONE))
    especially, serious, none = result.readings
    assert "50,000 or more" in especially.condition
    assert "5,000-49,999" in serious.condition
    assert "under 5,000" in none.condition
    assert serious.deciding_facts == ["records_total", "records_by_type", "illegal_profit_yuan"]
    # no type given: category C
    assert "5,000-49,999" in _result(Row("", "", {"conduct": ["sell"]}, NONE)).readings[1].condition
    # credit (category A): 50 / 500
    assert "50-499" in _result(Row("", "", {"data_types": ["credit"]}, NONE)).readings[1].condition


def test_the_2015_conduct_date_note_says_the_date_would_decide() -> None:
    result = _result(
        Row("", "", {"records_total": 500, "data_types": ["credit"], "conduct_date": "2015"}, ESPECIALLY)
    )
    assert any("2015-11-01" in n and "old Art. 253-1" in n for n in result.notes)


# --- invariants over every row: the readings are usable as they are meant to be


def _merged(facts: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """A plain top-level merge, as a caller does it (the lead's estimator runs each case_update as a variant)."""
    return {**facts, **update}


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d}" for i in range(len(ROWS))])
def test_every_case_update_makes_its_reading_certain(row: Row) -> None:
    result = _result(row)
    law = load_law_table(readings=row.law_readings)
    validated = parse_case(row.facts).model_dump(exclude_none=True)
    for reading in result.readings:
        for base in (row.facts, validated):  # the facts as given, or the validated case as a dict
            variant = parse_case(_merged(base, reading.case_update))
            assert isinstance(variant, CriminalCase)
            certain = statutory_band(variant, law)
            assert certain.band is reading.band, (reading.condition, reading.case_update)
            assert certain.band_certain is True
            assert certain.custodial_range_months == reading.custodial_range_months
            assert certain.fine_mandatory is reading.fine_mandatory


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d}" for i in range(len(ROWS))])
def test_the_top_level_belongs_to_the_bands_reading(row: Row) -> None:
    result = _result(row)
    low = result.readings[-1]
    assert [r.band for r in result.readings] == sorted(
        (r.band for r in result.readings), key=[ESPECIALLY, SERIOUS, NONE].index
    )
    assert len({r.band for r in result.readings}) == len(result.readings)
    if result.determined:
        assert low.band is result.band
    assert result.custodial_range_months == low.custodial_range_months
    assert result.fine_mandatory is low.fine_mandatory
    assert result.probation_possible is low.probation_possible
    assert result.exemption_possible is low.exemption_possible
    assert result.fine_guideline_yuan == low.fine_guideline_yuan
    if result.band_certain:
        assert low.condition == "on the facts given" and low.case_update == {} and low.deciding_facts == []
    else:
        assert all(r.condition and r.deciding_facts for r in result.readings)
