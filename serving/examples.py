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


# ---------------------------------------------------------------------------------------------------- counsel
# Real outputs of a champion trained on the seed data for the example cases, trimmed (one similar case per side).
CRIMINAL_ANSWER["levers"] = [
    {
        "name": "surrender",
        "kind": "mitigating",
        "label": "surrender (自首, Criminal Law Art. 67(1))",
        "state": "unknown",
        "current": None,
        "basis": {
            "article": "Criminal Law Art. 67(1); 法发〔2021〕21号 III (自首)",
            "range": [-0.4, 0.0],  # not-law: an example answer
            "text": "Criminal Law Art. 67(1); 法发〔2021〕21号 III (自首): reduces the starting point by up to 40%; with a plea, surrender, confession and restitution together at most 60% (no double counting)",  # not-law: an example answer
        },
        "options": [
            {
                "value": True,
                "change": "if the court finds a surrender (认定自首)",
                "update": {"surrender": True},
                "band": "especially_serious",
                "custodial_months": {
                    "point": 36.0,  # not-law: an example answer
                    "low": 8.0,
                    "high": 51.0,
                    "level": 0.8,
                    "legal_range": [0.0, 84.0],  # not-law: an example answer
                },
                "p_custodial_le_36_months": 0.6,  # not-law: an example answer
                "probation_probability": 0.196,
                "fine_yuan": {"point": 47070.0, "low": 8060.0, "high": 374830.0},
                "band_changes": False,
                "change_months": 0.0,
                "change_fine_yuan": -9990.0,
                "probation_possible": True,
            },
            {
                "value": False,
                "change": "if no surrender is found (不认定自首)",
                "update": {"surrender": False},
                "band": "especially_serious",
                "custodial_months": {
                    "point": 36.0,  # not-law: an example answer
                    "low": 8.0,
                    "high": 51.0,
                    "level": 0.8,
                    "legal_range": [36.0, 84.0],  # not-law: an example answer
                },
                "p_custodial_le_36_months": 0.6,  # not-law: an example answer
                "probation_probability": 0.196,
                "fine_yuan": {"point": 57060.0, "low": 9770.0, "high": 454390.0},
                "band_changes": False,
                "change_months": 0.0,
                "change_fine_yuan": 0.0,
                "probation_possible": True,
            },
        ],
        "notes": [],
    },
    {
        "name": "insider",
        "kind": "aggravating",
        "label": "insider who sold or provided data obtained in the duties (Interp. 2017 Art. 5(1)(8); 从重, Criminal Law Art. 253-1(2))",
        "state": "stated",
        "current": True,
        "basis": {
            "article": "Criminal Law Art. 253-1(2) (从重); no percentage in 法发〔2021〕21号",
            "range": [0.0, 0.2],  # not-law: an example answer
            "text": "Criminal Law Art. 253-1(2) (从重); no percentage in 法发〔2021〕21号: raises the starting point by up to 20%; the record and gains thresholds of Interp. 2017 Art. 5(1)(3)-(7) are multiplied by 0.5 (Art. 5(1)(8)), so the band may change",
        },
        "options": [
            {
                "value": False,
                "change": "if insider status is successfully contested (not an insider)",
                "update": {"insider": False},
                "band": "serious",
                "custodial_months": {
                    "point": 14.0,
                    "low": 4.0,
                    "high": 36.0,  # not-law: an example answer
                    "level": 0.8,
                    "legal_range": [0.0, 36.0],  # not-law: an example answer
                },
                "p_custodial_le_36_months": 1.0,
                "probation_probability": 0.196,
                "fine_yuan": {"point": 31230.0, "low": 5350.0, "high": 248690.0},
                "band_changes": True,
                "change_months": -22.0,
                "change_fine_yuan": -25830.0,
                "probation_possible": True,
            }
        ],
        "notes": [],
    },
    {
        "name": "records",
        "kind": "record_count",
        "label": "record count by type (信息条数, Interp. 2017 Art. 5)",
        "state": "stated",
        "current": 30120,
        "basis": {
            "article": "Interp. 2017 Art. 5(2)(3) [10x 5(1)(5) + 5(1)(8)]",
            "range": None,
            "text": "30,000 records of category C (other personal information) (insider: thresholds x0.5, Art. 5(1)(8)) >= 25,000 = especially_serious (records 12.48x the applicable serious threshold; the band needs 10x)",  # not-law: an example answer
        },
        "options": [
            {
                "value": 24134,
                "change": "if the record count is contested down to 24,134 (just below the threshold that set the band: Interp. 2017 Art. 5(2)(3) [10x 5(1)(5) + 5(1)(8)]); on the records alone the band would be serious (情节严重)",
                "update": {"records_by_type": {"parcel": 24038, "lodging": 96}, "records_total": 24134},
                "band": "serious",
                "custodial_months": {
                    "point": 14.0,
                    "low": 4.0,
                    "high": 36.0,  # not-law: an example answer
                    "level": 0.8,
                    "legal_range": [0.0, 36.0],  # not-law: an example answer
                },
                "p_custodial_le_36_months": 1.0,
                "probation_probability": 0.196,
                "fine_yuan": {"point": 32340.0, "low": 5540.0, "high": 257520.0},
                "band_changes": True,
                "change_months": -22.0,
                "change_fine_yuan": -24720.0,
                "probation_possible": True,
            }
        ],
        "notes": [],
    },
]
SENTENCE_CHECK: dict[str, Any] = {
    "case_id": "demo-1",
    "band": "especially_serious",
    "sentence": {"custodial_months": 30.0, "probation_months": None, "fine_yuan": 20000.0},
    "percentile": 27.1,
    "custodial_months": {
        "value": 30.0,
        "percentile": 27.1,
        "p_below": 0.257,
        "p_above": 0.714,
        "ranges": [
            {"level": 0.8, "low": 8.0, "high": 51.0, "outside": False},
            {"level": 0.95, "low": 6.0, "high": 72.0, "outside": False},  # not-law: an example answer
        ],
        "outside_80": False,
        "outside_95": False,
        "point": 36.0,  # not-law: an example answer
        "legal_range": [36.0, 84.0],  # not-law: an example answer
        "legal_position": "below_minimum",
    },
    "probation": {
        "suspended": False,
        "probation_months": None,
        "probability": 0.196,
        "p_this": 0.804,
        "possible": True,
    },
    "fine_yuan": {
        "value": 20000.0,
        "percentile": 28.3,
        "p_below": 0.283,
        "p_above": 0.717,
        "ranges": [
            {"level": 0.8, "low": 9770.0, "high": 454390.0, "outside": False},
            {"level": 0.95, "low": 5920.0, "high": 17412670.0, "outside": False},
        ],
        "outside_80": False,
        "outside_95": False,
        "point": 57060.0,
        "guideline_yuan": [18000.0, 90000.0],
        "within_guideline": True,
    },
    "similar_below": [
        {
            "case_id": "51f1658cbdbc",
            "summary": "An online customer-service worker at a health-supplement company saved the customer lists sent to him for follow-up calls and sold them in packages through chat groups using coded ads.",
            "court": None,
            "year": 2024,
            "case_number": None,
            "outcome": {
                "custodial_months": 24.0,
                "penalty": "imprisonment",
                "probation_months": 24.0,
                "fine_yuan": 20000.0,
            },
            "source_url": "http://ycyd.jsjc.gov.cn/zt/jcxy/202410/t20241008_1666824.shtml",
            "source_title": None,
            "source_kind": "official",
            "authority": "published",
            "similarity": 0.451,
            "reference_only": True,
        }
    ],
    "similar_equal": [],
    "similar_above": [
        {
            "case_id": "d078c207bcba",
            "summary": 'A mobile-phone shop operator secretly posted customers\' phone numbers and SMS verification codes to "new-user" WeChat groups so others could register app accounts in their names.',
            "court": "江苏省淮安市淮阴区人民法院",
            "year": None,
            "case_number": None,
            "outcome": {
                "custodial_months": 36.0,  # not-law: an example answer
                "penalty": "imprisonment",
                "probation_months": 48.0,
                "fine_yuan": 30000.0,
            },
            "source_url": "http://m.coalstudy.com/rd/2022/0518/24241.html",
            "source_title": None,
            "source_kind": "secondary",
            "authority": "published",
            "similarity": 0.519,
            "reference_only": True,
        }
    ],
    "summary": [
        "Custodial term: 30 months is shorter than 7 of 10 estimates for cases like this (percentile 27.1); inside the 80% range (8–51 months).",
        "Probation: not suspended; the estimate puts P(probation) at 20%, so this is the likelier outcome.",
        "Fine: 20,000 yuan is less than 7 of 10 estimates for cases like this (percentile 28.3); inside the 80% range (9,770–454,390 yuan).",
    ],
    "notes": [
        "30 months is below the band's legal minimum of 36 months: possible only with mitigation (Criminal Law Art. 63)"  # not-law: an example answer
    ],
    "disclaimer": "Non-binding statistical estimate from past cases; not legal advice. Similar cases are reference only: under the SPC similar-case guidance only guiding cases bind.",
}
AWARD_CHECK: dict[str, Any] = {
    "case_id": "demo-civil-1",
    "award": {"awarded_total_yuan": 300000.0},
    "percentile": 97.7,
    "awarded_total_yuan": {
        "value": 300000.0,
        "percentile": 97.7,
        "p_below": 0.954,
        "p_above": 0.0,
        "ranges": [
            {"level": 0.8, "low": 1040.0, "high": 45170.0, "outside": True},
            {"level": 0.95, "low": 0.0, "high": 300000.0, "outside": False},
        ],
        "outside_80": True,
        "outside_95": False,
        "point": 6200.0,
    },
    "claimed_yuan": 500000.0,
    "share_of_claim": 0.6,  # not-law: an example answer
    "similar_below": [
        {
            "case_id": "b193a6df38ea",
            "summary": "Zhang A advertised and sold a USB stick of names and phone numbers (32,809 items) to buyers via QQ/WeChat and passed the data free to Zhang B, who resold it; after their criminal convictions the Yangzhou procuratorate sued for public-interest damages.",
            "court": "江苏省扬州市中级人民法院",
            "year": 2021,
            "case_number": None,
            "outcome": {"awarded_total_yuan": 34000.0, "claimed_yuan": 34000.0, "apology_ordered": True},
            "source_url": "http://lajc.lanews.com.cn/content/2022-03/07/content_9349681.htm",
            "source_title": None,
            "source_kind": "press",
            "authority": "published",
            "similarity": 0.431,
            "reference_only": True,
        }
    ],
    "similar_equal": [
        {
            "case_id": "d095e19cf6a8",
            "summary": "Two defendants built and ran an online marketplace (registered via a borrowed ID) on which 200+ sellers, including themselves, sold citizens' ID numbers, mostly of minors; the platform took commissions on over 470,000 yuan of trades. Both had been convicted criminally in 2021. A second (English) report gives 960,000+ records, 950,000+ of them of minors; the judgment was reported in July 2022.",
            "court": "杭州互联网法院",
            "year": 2022,
            "case_number": None,
            "outcome": {"awarded_total_yuan": 300000.0, "claimed_yuan": None, "apology_ordered": True},
            "source_url": "http://flfww148.com/view.asp?id=16258",
            "source_title": "杭州互联网法院 拱墅区检察院诉邓某、肖某侵害未成年人信息民事公益诉讼案",
            "source_kind": "secondary",
            "authority": "published",
            "similarity": 0.569,
            "reference_only": True,
        }
    ],
    "similar_above": [
        {
            "case_id": "e7d1a8cbec40",
            "summary": "A Guangzhou company switched IPs and user IDs to call Weibo's server APIs illegitimately, harvested large volumes of back-end Weibo data, stored it and sold API access to the public; damages awarded in full as claimed. The claim was 20M yuan damages plus 0.5M yuan expenses (a second report).",
            "court": "广东省高级人民法院",
            "year": 2023,
            "case_number": None,
            "outcome": {"awarded_total_yuan": 20272680.0, "claimed_yuan": 20500000.0, "apology_ordered": None},
            "source_url": "https://www.wanqulawyer.com/mobile/index/show/catid/114/id/55721.html",
            "source_title": "微梦诉简亦迅 非法调用API抓取微博数据不正当竞争案",
            "source_kind": "law_firm",
            "authority": "published",
            "similarity": 0.35,  # not-law: an example answer
            "reference_only": True,
        }
    ],
    "summary": [
        "Award: 300,000 yuan is more than 9 of 10 estimates for cases like this (percentile 97.7); outside the 80% range (1,040–45,170 yuan) but inside the 95% range (0–300,000 yuan).",
        "It is 60% of the 500,000 yuan claimed.",  # not-law: an example answer
    ],
    "notes": [],
    "disclaimer": "Non-binding statistical estimate from past cases; not legal advice. Similar cases are reference only: under the SPC similar-case guidance only guiding cases bind.",
}
CODEFENDANTS_REQUEST: dict[str, Any] = {
    "shared": {
        "records_total": 12000,
        "data_types": ["parcel"],
        "conduct": ["sell", "provide"],
        "illegal_profit_yuan": 32000,
        "year": 2021,
    },
    "defendants": [
        {"defendant": "张某某", "role": "principal", "truthful_confession": True},
        {"defendant": "李某", "role": "accessory", "surrender": True, "guilty_plea": True, "restitution": True},
    ],
}
CODEFENDANTS_ANSWER: dict[str, Any] = {
    "defendants": [
        {"index": 0, "defendant": "张某某", "estimate": CRIMINAL_ANSWER},
        {"index": 1, "defendant": "李某", "estimate": CRIMINAL_ANSWER},
    ],
    "table": [
        {
            "index": 0,
            "defendant": "张某某",
            "role": "principal",
            "band": "serious",
            "custodial_months": {"point": 14.0, "low": 4.0, "high": 36.0},  # not-law: an example answer
            "probation_probability": 0.196,
            "fine_yuan": {"point": 27210.0, "low": 4660.0, "high": 216720.0},
            "own_facts": ["truthful_confession"],
        },
        {
            "index": 1,
            "defendant": "李某",
            "role": "accessory",
            "band": "serious",
            "custodial_months": {"point": 14.0, "low": 4.0, "high": 36.0},  # not-law: an example answer
            "probation_probability": 0.196,
            "fine_yuan": {"point": 20060.0, "low": 3430.0, "high": 159750.0},
            "own_facts": ["surrender", "guilty_plea", "restitution"],
        },
    ],
    "ordering": {"accessories_at_most_principals": True, "notes": []},
}
# an invented judgment (no real court, case or person)
JUDGMENT_TEXT = "四川省成都市某某区人民法院\n刑事判决书\n（2023）川0104刑初456号\n公诉机关成都市某某区人民检察院。\n被告人王某，男，1991年出生，某物业公司客服。\n经审理查明：2022年3月至12月，被告人王某利用担任某物业公司客服的便利，将小区业主的姓名、电话、住址等信息共计3600余条出售给他人，获利人民币6000元。案发后，被告人王某主动投案，如实供述了自己的罪行，退缴了全部违法所得。\n本院认为，被告人王某违反国家有关规定，将在提供服务过程中获得的公民个人信息出售给他人，情节严重，其行为已构成侵犯公民个人信息罪。被告人王某有自首情节，自愿认罪认罚，依法可以从轻处罚。判决如下：\n被告人王某犯侵犯公民个人信息罪，判处有期徒刑十个月，缓刑一年，并处罚金人民币八千元。\n审判员  某某\n二〇二三年六月一日\n"
JUDGMENT_REQUEST: dict[str, Any] = {"text": JUDGMENT_TEXT, "filename": "judgment.txt"}
_JUDGMENT_CHECK: dict[str, Any] = {
    "case_id": None,
    "band": "serious",
    "sentence": {
        "custodial_months": 10.0,
        "probation_months": 12.0,
        "fine_yuan": 8000.0,
    },  # not-law: an example answer
    "percentile": 32.1,
    "custodial_months": {
        "value": 10.0,  # not-law: an example answer
        "percentile": 32.1,
        "p_below": 0.321,
        "p_above": 0.679,
        "ranges": [
            {"level": 0.8, "low": 4.0, "high": 36.0, "outside": False},  # not-law: an example answer
            {"level": 0.95, "low": 0.0, "high": 36.0, "outside": False},  # not-law: an example answer
        ],
        "outside_80": False,
        "outside_95": False,
        "point": 14.0,
        "legal_range": [0.0, 36.0],  # not-law: an example answer
        "legal_position": "within",
    },
    "probation": {
        "suspended": True,
        "probation_months": 12.0,  # not-law: an example answer
        "probability": 0.196,
        "p_this": 0.196,
        "possible": True,
    },
    "fine_yuan": {
        "value": 8000.0,
        "percentile": 26.7,
        "p_below": 0.267,
        "p_above": 0.733,
        "ranges": [
            {"level": 0.8, "low": 4250.0, "high": 197480.0, "outside": False},
            {"level": 0.95, "low": 2570.0, "high": 7567690.0, "outside": False},
        ],
        "outside_80": False,
        "outside_95": False,
        "point": 24800.0,
        "guideline_yuan": [6000.0, 30000.0],
        "within_guideline": True,
    },
    "summary": [
        "Custodial term: 10 months is shorter than 6 of 10 estimates for cases like this (percentile 32.1); inside the 80% range (4–36 months).",  # not-law: an example answer
        "Probation: suspended; the estimate puts P(probation) at 20%, so this is the less likely outcome.",
        "Fine: 8,000 yuan is less than 7 of 10 estimates for cases like this (percentile 26.7); inside the 80% range (4,250–197,480 yuan).",
    ],
    "notes": [],
    "disclaimer": "Non-binding statistical estimate from past cases; not legal advice. Similar cases are reference only: under the SPC similar-case guidance only guiding cases bind.",
}
JUDGMENT_ANSWER: dict[str, Any] = {
    "court": "四川省成都市某某区人民法院",
    "case_number": "（2023）川0104刑初456号",
    "year": 2023,
    "instance": "first",
    "appeal_result": None,
    "personal_information": True,
    "warnings": [],
    "defendants": [
        {
            **{
                "defendant": "王某",
                "unit": False,
                "case": {
                    "defendant": "王某",
                    "court": "四川省成都市某某区人民法院",
                    "case_number": "（2023）川0104刑初456号",
                    "year": 2023,
                    "province": "四川",
                    "n_defendants": 1,
                    "records_total": 3600,
                    "data_types": ["contact", "address"],
                    "victim_category": "homeowners",
                    "conduct": ["sell"],
                    "insider": True,
                    "illegal_profit_yuan": 6000,
                    "surrender": True,
                    "truthful_confession": True,
                    "guilty_plea": True,
                    "restitution": True,
                    "role": "sole",
                    "charge": "侵犯公民个人信息罪",
                },
                "evidence": {
                    "defendant": [
                        {"start": 58, "end": 60, "text": "王某", "label": None}  # not-law: character offsets
                    ],
                    "court": [{"start": 0, "end": 13, "text": "四川省成都市某某区人民法院", "label": None}],
                    "case_number": [{"start": 20, "end": 37, "text": "（2023）川0104刑初456号", "label": None}],
                    "year": [{"start": 20, "end": 37, "text": "（2023）川0104刑初456号", "label": None}],
                },
                "confidence": {
                    "defendant": 0.95,
                    "court": 0.95,
                    "case_number": 0.95,
                    "year": 0.95,
                    "province": 0.95,
                    "n_defendants": 0.9,
                    "records_total": 0.8,
                    "data_types": 0.8,
                    "victim_category": 0.8,
                    "conduct": 0.8,
                    "insider": 0.8,
                    "illegal_profit_yuan": 0.8,
                    "surrender": 0.85,
                    "truthful_confession": 0.85,
                    "guilty_plea": 0.85,
                    "restitution": 0.85,
                    "role": 0.85,
                    "prison_months": 0.95,
                    "detention_months": 0.95,
                    "probation_months": 0.95,
                    "fine_yuan": 0.95,
                    "exempt_from_punishment": 0.95,
                },
                "stated_sentence": {
                    "custodial_months": 10.0,
                    "probation_months": 12.0,
                    "fine_yuan": 8000.0,
                },  # not-law: an example answer
                "ok": True,
                "errors": None,
            },
            "estimate": CRIMINAL_ANSWER,
            "check": {**_JUDGMENT_CHECK, "similar_below": [], "similar_equal": [], "similar_above": []},
        }
    ],
}
