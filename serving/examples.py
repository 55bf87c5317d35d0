"""Examples of every request and response body, shown in the OpenAPI document (/docs).

The answers are real outputs of a champion trained on the seed data (trimmed to two similar cases and three
drivers); the cases are the repository's seeds/examples. The statutory part is computed by the engine from the
example case, so it always shows the law table in force (features/law/law_2017.toml).
"""

from __future__ import annotations

from typing import Any

from features.law.schema import CriminalCase
from features.law.statutory import load_law_table, statutory_band

CRIMINAL_CASE: dict[str, Any] = {
    "case_id": "demo-1",
    "summary_en": "An employee of a courier company sold parcel-slip data (names, phones, addresses) and 120 "
    "lodging records to a marketing firm.",
    "records_by_type": {"parcel": 30000, "lodging": 120},
    "data_types": ["parcel", "contact", "address", "lodging"],
    "victim_category": "customers",
    "conduct": ["sell"],
    "insider": True,
    "illegal_profit_yuan": 18000,
    "n_defendants": 1,
    "role": "sole",
    "truthful_confession": True,
    "guilty_plea": True,
    "restitution": True,
    "year": 2024,
}

CIVIL_CASE: dict[str, Any] = {
    "case_id": "demo-civil-1",
    "proceeding": "public_interest",
    "summary_en": "A procuratorate sues two operators of a website that sold 960,000 records of minors' names "
    "and ID numbers.",
    "records_total": 960000,
    "data_types": ["identity", "minor_info"],
    "victim_category": "minors",
    "conduct": ["sell"],
    "sales_yuan": 470000,
    "plaintiff_type": "procuratorate",
    "defendant_type": "individual",
    "claim_type": "public_interest",
    "year": 2022,
    "claimed_yuan": 500000,  # not-law: the example's claim
}

_STATUTORY: dict[str, Any] = statutory_band(
    CriminalCase.model_validate(CRIMINAL_CASE), load_law_table(readings={})
).model_dump(mode="json")

CRIMINAL_ANSWER: dict[str, Any] = {
    "case_id": "demo-1",
    "band": "especially_serious",
    "statutory": _STATUTORY,
    "custodial_months": {
        "point": 36.0,  # not-law: a model's output for the example case
        "low": 36.0,  # not-law: a model's output for the example case
        "high": 84.0,  # not-law: a model's output for the example case
        "level": 0.8,
        "legal_range": _STATUTORY["custodial_range_months"],
    },
    "p_custodial_le_36_months": 0.472,
    "probation_probability": 0.237,
    "fine_yuan": {
        "point": 49960.0,
        "low": 7670.0,
        "high": 1025110.0,
        "level": 0.8,
        "guideline_yuan": [18000.0, 90000.0],
        "multiple_of_gains": {"point": 2.78, "low": 0.43, "high": 56.95},
    },
    "drivers": [
        {"feature": "range_low_months", "contribution_months": 3.673, "value": 36.0},  # not-law: a model's output
        {"feature": "guilty_plea", "contribution_months": 3.387, "value": 1.0},
        {"feature": "cat_B", "contribution_months": 2.539, "value": 1.0},
    ],
    "similar_cases": [
        {
            "case_id": "d078c207bcba",
            "summary": "A mobile-phone shop operator secretly posted customers' phone numbers and "
            'SMS verification codes to "new-user" WeChat groups so others could register '
            "app accounts in their names.",
            "court": "江苏省淮安市淮阴区人民法院",
            "year": None,
            "outcome": {
                "custodial_months": 36.0,  # not-law: a real case's outcome
                "penalty": "imprisonment",
                "probation_months": 48.0,
                "fine_yuan": 30000.0,
            },
            "source_url": "http://m.coalstudy.com/rd/2022/0518/24241.html",
            "source_title": None,
            "similarity": 0.515,
            "reference_only": True,
        },
        {
            "case_id": "fee08023cdfd",
            "summary": "The owner of a small consulting firm repeatedly bought files of personal "
            "data (names, ID numbers, phone numbers) from an online seller and had his "
            "staff use them for telemarketing.",
            "court": "上海市普陀区人民法院",
            "year": None,
            "outcome": {
                "custodial_months": 39.0,
                "penalty": "imprisonment",
                "probation_months": None,
                "fine_yuan": 20000.0,
            },
            "source_url": "http://e.mzyfz.org.cn/paper/2450/paper_65607_13379.html",
            "source_title": "网购个人信息精准营销,企业主因此获刑",
            "similarity": 0.486,
            "reference_only": True,
        },
    ],
    "model": {
        "custodial_months": {
            "name": "exposure-custodial_months",
            "version": "1",
            "run_id": "0123456789abcdef0123456789abcdef",
            "family": "ridge",
            "dataset_digest": "8d1e7c3a",
            "n_train": 72,
        },
        "probation": {
            "name": "exposure-probation",
            "version": "1",
            "run_id": "0123456789abcdef0123456789abcdef",
            "family": "logistic",
            "dataset_digest": "8d1e7c3a",
            "n_train": 70,
        },
        "fine_yuan": {
            "name": "exposure-fine_yuan",
            "version": "1",
            "run_id": "0123456789abcdef0123456789abcdef",
            "family": "ridge",
            "dataset_digest": "8d1e7c3a",
            "n_train": 58,
        },
    },
    "disclaimer": "Non-binding statistical estimate from past cases; not legal advice. Similar cases are "
    "reference only: under the SPC similar-case guidance only guiding cases bind.",
}

CIVIL_ANSWER: dict[str, Any] = {
    "case_id": "demo-civil-1",
    "proceeding": "public_interest",
    "awarded_total_yuan": {"point": 87440.0, "low": 40.0, "high": 500000.0, "level": 0.8},  # not-law: model output
    "award_to_claim_ratio": {"point": 0.175, "low": 0.0, "high": 1.0},
    "drivers": [
        {"feature": "victim_minors", "contribution_yuan": 32665.947, "value": 1.0},
        {"feature": "plaintiff_individual", "contribution_yuan": 28450.066, "value": 0.0},
        {"feature": "plaintiff_company", "contribution_yuan": -23235.055, "value": 0.0},
    ],
    "similar_cases": [
        {
            "case_id": "d095e19cf6a8",
            "summary": "Two defendants ran an online marketplace on which sellers sold citizens' ID "
            "numbers, mostly of minors; the platform took commissions on over 470,000 "
            "yuan of trades.",
            "court": "杭州互联网法院",
            "year": 2022,
            "outcome": {"awarded_total_yuan": 300000.0, "claimed_yuan": None, "apology_ordered": True},
            "source_url": "http://flfww148.com/view.asp?id=16258",
            "source_title": "杭州互联网法院 拱墅区检察院诉邓某、肖某侵害未成年人信息民事公益诉讼案",
            "similarity": 0.59,
            "reference_only": True,
        },
        {
            "case_id": "b193a6df38ea",
            "summary": "Zhang A advertised and sold a USB stick of names and phone numbers (32,809 "
            "items) to buyers via QQ/WeChat and passed the data free to Zhang B, who "
            "resold it; after their criminal convictions the Yangzhou procuratorate sued "
            "for public-interest damages.",
            "court": "江苏省扬州市中级人民法院",
            "year": 2021,
            "outcome": {"awarded_total_yuan": 34000.0, "claimed_yuan": 34000.0, "apology_ordered": True},
            "source_url": "http://lajc.lanews.com.cn/content/2022-03/07/content_9349681.htm",
            "source_title": None,
            "similarity": 0.443,
            "reference_only": True,
        },
    ],
    "model": {
        "awarded_total_yuan": {
            "name": "exposure-awarded_total_yuan",
            "version": "1",
            "run_id": "0123456789abcdef0123456789abcdef",
            "family": "ridge",
            "dataset_digest": "8d1e7c3a",
            "n_train": 46,
        }
    },
    "disclaimer": "Non-binding statistical estimate from past cases; not legal advice. Similar cases are "
    "reference only: under the SPC similar-case guidance only guiding cases bind.",
}
