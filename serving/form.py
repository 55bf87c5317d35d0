"""The litigators' page and report in plain language: the case fields with Chinese and English labels and units,
the vocabularies as choices, and readable names for the drivers of an estimate.

One source for the page (served as ``GET /ui/form.json``, the form is built from it) and for the drawn answer and
the exported report (``serving.render``). Field names are those of ``features.law.schema``; ``form_spec()`` refuses a
name the case models do not have, so a renamed field fails the tests instead of silently dropping out of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel

from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import load_law_table
from features.law.vocab import (
    Band,
    ClaimType,
    Conduct,
    DataType,
    DefendantType,
    DownstreamUse,
    Instance,
    PlaintiffType,
    Role,
    VictimCategory,
)

Kind = Literal["int", "money", "text", "bool", "choice", "multi", "by_type"]
_LAW = load_law_table(readings={})  # the labels' numbers; answers carry the digest of the table they used

# value -> (English, 中文) for every vocabulary word the form offers
VOCAB: dict[type[StrEnum], dict[str, tuple[str, str]]] = {
    DataType: {
        "whereabouts": ("Whereabouts / location", "行踪轨迹"),
        "communication_content": ("Communication content", "通信内容"),
        "credit": ("Credit information", "征信信息"),
        "property": ("Property information", "财产信息"),
        "lodging": ("Lodging records", "住宿信息"),
        "communication_records": ("Call / communication records", "通信记录"),
        "health": ("Health and physiological", "健康生理信息"),
        "transaction": ("Transactions", "交易信息"),
        "identity": ("Identity (ID numbers)", "身份信息"),
        "contact": ("Contact (phone, e-mail)", "联系方式"),
        "address": ("Address", "住址"),
        "financial_account": ("Financial accounts", "金融账户信息"),
        "account_password": ("Accounts and passwords", "账号密码"),
        "biometric": ("Biometric", "生物识别信息"),
        "vehicle": ("Vehicles", "车辆信息"),
        "education": ("Education", "教育信息"),
        "employment": ("Employment", "工作信息"),
        "real_estate": ("Real estate", "房产信息"),
        "parcel": ("Parcel slips", "快递单信息"),
        "minor_info": ("Minors' information", "未成年人信息"),
        "business_data": ("Business data", "企业数据"),
        "other": ("Other", "其他"),
    },
    VictimCategory: {
        "general_public": ("General public", "社会公众"),
        "minors": ("Minors", "未成年人"),
        "students": ("Students", "学生"),
        "elderly": ("Elderly people", "老年人"),
        "patients": ("Patients", "患者"),
        "homeowners": ("Homeowners", "业主"),
        "parents": ("Parents", "家长"),
        "customers": ("Customers", "客户"),
        "investors": ("Investors", "投资者"),
        "car_owners": ("Car owners", "车主"),
        "job_seekers": ("Job seekers", "求职者"),
        "businesses": ("Businesses", "企业"),
        "platform_users": ("Platform users", "平台用户"),
        "specific_individual": ("A specific person", "特定个人"),
        "other": ("Other", "其他"),
    },
    Conduct: {
        "sell": ("Sold", "出售"),
        "provide": ("Provided to others", "提供"),
        "obtain_purchase": ("Obtained / bought", "非法获取、购买"),
        "steal_hack": ("Stole / hacked", "窃取、入侵"),
        "scrape": ("Scraped", "爬取"),
        "collect_without_consent": ("Collected without consent", "未经同意收集"),
        "leak": ("Leaked", "泄露"),
        "use": ("Used", "使用"),
        "other": ("Other", "其他"),
    },
    DownstreamUse: {
        "fraud": ("Fraud", "诈骗"),
        "marketing": ("Marketing", "营销推广"),
        "debt_collection": ("Debt collection", "催收"),
        "stalking": ("Stalking", "跟踪"),
        "other": ("Other", "其他"),
    },
    Role: {
        "principal": ("Principal", "主犯"),
        "accessory": ("Accessory", "从犯"),
        "sole": ("Acted alone", "单独犯罪"),
    },
    PlaintiffType: {
        "individual": ("Individual", "个人"),
        "company": ("Company", "公司"),
        "procuratorate": ("Procuratorate", "检察院"),
        "consumer_association": ("Consumer association", "消费者协会"),
        "other": ("Other", "其他"),
    },
    DefendantType: {
        "platform": ("Platform", "平台"),
        "company": ("Company", "公司"),
        "individual": ("Individual", "个人"),
        "government": ("Government body", "国家机关"),
        "other": ("Other", "其他"),
    },
    ClaimType: {
        "privacy": ("Privacy", "隐私权"),
        "personal_information": ("Personal-information rights", "个人信息权益"),
        "data_unfair_competition": ("Data / unfair competition", "数据不正当竞争"),
        "public_interest": ("Public interest", "公益诉讼"),
        "other": ("Other", "其他"),
    },
    Instance: {"first": ("First instance", "一审"), "second": ("Second instance", "二审")},
}

PROCEEDINGS: dict[str, tuple[str, str]] = {
    "criminal": ("Criminal", "刑事"),
    "civil": ("Civil", "民事"),
    "public_interest": ("Public-interest suit", "公益诉讼"),
}

BANDS: dict[str, tuple[str, str]] = {
    Band.none.value: ("Below 'serious': no crime on these facts", "未达情节严重"),
    Band.serious.value: ("Serious", "情节严重"),
    Band.especially_serious.value: ("Especially serious", "情节特别严重"),
}


def bilingual(pair: tuple[str, str]) -> str:
    """``"English (中文)"``."""
    return f"{pair[0]} ({pair[1]})"


def vocab_label(enum: type[StrEnum], value: str) -> str:
    pair = VOCAB.get(enum, {}).get(value)
    return bilingual(pair) if pair else value


@dataclass(frozen=True)
class FormField:
    name: str
    en: str
    zh: str
    kind: Kind
    unit: str | None = None  # shown in the label: "yuan 元", "条"
    vocab: type[StrEnum] | None = None
    help: str | None = None
    placeholder: str | None = None

    def label(self) -> str:
        unit = f", {self.unit}" if self.unit else ""
        return f"{self.en} ({self.zh}){unit}"


def _f(name: str, en: str, zh: str, kind: Kind, **kw: Any) -> FormField:
    return FormField(name, en, zh, kind, **kw)


RECORDS = _f(
    "records_total",
    "Records",
    "条数",
    "int",
    unit="条",
    help="Pieces of personal information involved (one person's name+phone = 1 record). Commas allowed.",
    placeholder="e.g. 30,000",
)
BY_TYPE = _f(
    "records_by_type",
    "Records by type",
    "分类条数",
    "by_type",
    vocab=DataType,
    help="Optional: the split by data type, when known (the thresholds of Interp. 2017 differ by type).",
)
DATA_TYPES = _f(
    "data_types",
    "Data types",
    "信息类型",
    "multi",
    vocab=DataType,
    help="A / B / C: threshold category of Interp. 2017 Art. 5(1)(3)-(5), with the records that make the case "
    "serious (情节严重); ten times that is especially serious; insiders need half.",
)
CONDUCT = _f("conduct", "Conduct", "行为方式", "multi", vocab=Conduct)
VICTIMS = _f("victim_category", "Victims", "被害人类别", "choice", vocab=VictimCategory)
INSIDER = _f(
    "insider",
    "Insider: obtained while performing duties or providing services",
    "履职或提供服务中获得",
    "bool",
    help="Interp. 2017 Art. 5(1)(8): thresholds are halved.",
)
GAINS = _f("illegal_profit_yuan", "Illegal gains", "违法所得", "money", unit="yuan 元", placeholder="e.g. 18,000")
SALES = _f("sales_yuan", "Sales turnover", "销售金额", "money", unit="yuan 元")
DOWNSTREAM = _f("downstream_use", "Downstream use", "下游用途", "choice", vocab=DownstreamUse)
CASE_ID = _f("case_id", "Your reference", "案件编号/备注", "text", help="Printed on the report; not used.")
YEAR = _f("year", "Year of judgment", "判决年份", "int", placeholder="e.g. 2024")
CONDUCT_DATE = _f(
    "conduct_date",
    "Date of the last act",
    "最后行为日期",
    "text",
    placeholder="e.g. 2019-06 or 2019-06-30",
    help=f"YYYY-MM-DD, YYYY-MM or YYYY. A last act before {_LAW.amendment_ix_in_force.isoformat()} (Amendment IX) "
    f"is judged under the old Art. 253-1: at most {_LAW.old_law_range[1]:g} months (Criminal Law Art. 12).",
)
PROVINCE = _f("province", "Province", "省份", "text")
COURT = _f("court", "Court", "法院", "text")

CRIMINAL_GROUPS: tuple[tuple[str, str, tuple[FormField, ...]], ...] = (
    (
        "Data and conduct",
        "信息与行为",
        (RECORDS, BY_TYPE, DATA_TYPES, CONDUCT, VICTIMS, INSIDER, GAINS, SALES, DOWNSTREAM),
    ),
    (
        "Defendant",
        "被告人情况",
        (
            _f("role", "Role", "地位作用", "choice", vocab=Role),
            _f("n_defendants", "Defendants in the case", "被告人人数", "int", unit="人"),
            _f("surrender", "Voluntary surrender", "自首", "bool", help="Criminal Law Art. 67(1)"),
            _f("truthful_confession", "Truthful confession", "坦白", "bool", help="Criminal Law Art. 67(3)"),
            _f(
                "guilty_plea",
                "Guilty plea with leniency",
                "认罪认罚",
                "bool",
                help="Criminal Procedure Law Art. 15",
            ),
            _f("restitution", "Returned the gains / compensated", "退赃退赔", "bool"),
            _f("recidivist", "Recidivist", "累犯", "bool", help="Criminal Law Art. 65: no probation"),
            _f(
                "ringleader",
                "Ringleader of a criminal group",
                "犯罪集团首要分子",
                "bool",
                help="Criminal Law Art. 74: no probation",
            ),
            _f("unit_crime", "Unit (corporate) crime", "单位犯罪", "bool"),
            _f("attempt", "Attempt only", "未遂", "bool", help="Criminal Law Art. 23"),
        ),
    ),
    (
        "Other circumstances (Interp. 2017 Arts. 5-6)",
        "其他情节",
        (
            _f(
                "whereabouts_used_for_crime",
                "Whereabouts sold were used for a crime",
                "行踪轨迹被用于犯罪",
                "bool",
                help="Art. 5(1)(1)",
            ),
            _f(
                "knew_buyer_criminal",
                "Knew the recipient would commit a crime",
                "明知他人利用信息实施犯罪",
                "bool",
                help="Art. 5(1)(2)",
            ),
            _f(
                "prior_punishment_same_conduct",
                "Punished before for the same conduct",
                "曾因同类行为受过处罚",
                "bool",
                help="Art. 5(1)(9): criminally, or administratively within 2 years",
            ),
            _f(
                "severe_consequences",
                "Death, serious injury, mental illness or kidnapping caused",
                "造成死亡、重伤、精神失常或被绑架",
                "bool",
                help="Art. 5(2)(1)",
            ),
            _f(
                "heavy_loss_or_vicious_impact",
                "Heavy economic loss or vicious social impact",
                "重大经济损失或恶劣社会影响",
                "bool",
                help="Art. 5(2)(2)",
            ),
            _f(
                "lawful_business_purpose",
                "Bought general data for a lawful business",
                "为合法经营活动购买一般信息",
                "bool",
                help=f"Art. 6: buying or receiving general data for a lawful business is serious only from "
                f"{_LAW.lawful_business_serious_yuan:,.0f} yuan of profit; scraping, hacking or reselling is judged "
                "under Art. 5",
            ),
        ),
    ),
    ("Case", "案件信息", (CASE_ID, YEAR, CONDUCT_DATE, PROVINCE, COURT)),
)

CIVIL_GROUPS: tuple[tuple[str, str, tuple[FormField, ...]], ...] = (
    (
        "Parties and claim",
        "当事人与诉请",
        (
            _f("proceeding", "Proceeding", "诉讼类型", "choice", help="Civil suit or public-interest suit"),
            _f("plaintiff_type", "Plaintiff", "原告类型", "choice", vocab=PlaintiffType),
            _f("defendant_type", "Defendant", "被告类型", "choice", vocab=DefendantType),
            _f("claim_type", "Claim", "案由", "choice", vocab=ClaimType),
            _f("instance", "Instance", "审级", "choice", vocab=Instance),
            _f("claimed_yuan", "Amount claimed", "诉请金额", "money", unit="yuan 元", placeholder="e.g. 500,000"),
        ),
    ),
    (
        "Data and conduct",
        "信息与行为",
        (RECORDS, BY_TYPE, DATA_TYPES, CONDUCT, VICTIMS, INSIDER, GAINS, SALES, DOWNSTREAM),
    ),
    ("Case", "案件信息", (CASE_ID, YEAR, PROVINCE, COURT)),
)

GROUPS = {"criminal": CRIMINAL_GROUPS, "civil": CIVIL_GROUPS}
MODELS: dict[str, type[BaseModel]] = {"criminal": CriminalCase, "civil": CivilCase}

FIELDS: dict[str, FormField] = {f.name: f for groups in GROUPS.values() for _, _, fs in groups for f in fs}

# drivers (features.model.featurize names) -> (English, 中文); prefixed one-hot features are composed in feature_label
FEATURES: dict[str, tuple[str, str]] = {
    "log_records": ("Number of records", "信息条数"),
    "records_missing": ("Records not stated", "条数不详"),
    "log_gains": ("Gains / turnover", "违法所得或销售金额"),
    "gains_missing": ("Gains not stated", "违法所得不详"),
    "cat_A": ("Category A data (whereabouts, credit, property...)", "第一类信息"),
    "cat_B": ("Category B data (lodging, call records, health...)", "第二类信息"),
    "cat_C": ("Category C data (other personal information)", "第三类信息"),
    "n_data_types": ("Number of data types", "信息类型数"),
    "minor_info": ("Minors' information", "未成年人信息"),
    "biometric": ("Biometric data", "生物识别信息"),
    "insider": ("Insider", "履职或提供服务中获得"),
    "downstream_fraud": ("Used for fraud", "用于诈骗"),
    "year": ("Year of judgment", "判决年份"),
    "year_missing": ("Year not stated", "年份不详"),
    "log_records_multiple_low": ("Records / threshold (low)", "条数为入罪标准的倍数(低)"),
    "log_records_multiple_high": ("Records / threshold (high)", "条数为入罪标准的倍数(高)"),
    "log_gains_multiple": ("Gains / threshold", "违法所得为入罪标准的倍数"),
    "band_level": ("Statutory band (none / serious / especially serious)", "量刑档次"),
    "band_certain": ("Band certain", "量刑档次确定"),
    "band_determined": ("Band determined", "量刑档次可判定"),
    "band_upper_especially": ("May be especially serious", "可能情节特别严重"),
    "range_low_months": ("Legal minimum of the band", "法定刑下限"),
    "range_high_months": ("Legal maximum of the band", "法定刑上限"),
    "n_rules": ("Rules met", "符合的情节数"),
    "surrender": ("Voluntary surrender", "自首"),
    "truthful_confession": ("Truthful confession", "坦白"),
    "guilty_plea": ("Guilty plea", "认罪认罚"),
    "restitution": ("Restitution", "退赃退赔"),
    "recidivist": ("Recidivist", "累犯"),
    "unit_crime": ("Unit crime", "单位犯罪"),
    "attempt": ("Attempt", "未遂"),
    "log_n_defendants": ("Number of defendants", "被告人人数"),
    "n_defendants_missing": ("Defendants not stated", "人数不详"),
    "n_other_charges": ("Other charges", "其他罪名数"),
    "public_interest": ("Public-interest suit", "公益诉讼"),
    "log_claimed": ("Amount claimed", "诉请金额"),
    "claimed_missing": ("Claim not stated", "诉请金额不详"),
    "second_instance": ("Second instance", "二审"),
}
_PREFIXES: dict[str, tuple[str, str, type[StrEnum]]] = {
    "victim_": ("Victims", "被害人", VictimCategory),
    "conduct_": ("Conduct", "行为", Conduct),
    "role_": ("Role", "地位", Role),
    "plaintiff_": ("Plaintiff", "原告", PlaintiffType),
    "defendant_": ("Defendant", "被告", DefendantType),
    "claim_": ("Claim", "案由", ClaimType),
}


def feature_label(name: str) -> str:
    """A driver's feature name in plain language (the name itself when unknown)."""
    if name in FEATURES:
        return bilingual(FEATURES[name])
    for prefix, (en, zh, enum) in _PREFIXES.items():
        if name.startswith(prefix):
            value = name.removeprefix(prefix)
            pair = VOCAB[enum].get(value)
            if pair:
                return f"{en}: {pair[0]} ({zh}: {pair[1]})"
    return name


def _choices(field: FormField) -> list[dict[str, str]]:
    if field.name == "proceeding":
        return [{"value": v, "label": bilingual(PROCEEDINGS[v])} for v in ("civil", "public_interest")]
    assert field.vocab is not None, field.name
    labels = VOCAB[field.vocab]
    out = []
    law = load_law_table()
    for member in field.vocab:
        item = {"value": member.value, "label": bilingual(labels[member.value])}
        if field.vocab is DataType:
            category = law.category_of(DataType(member.value))
            item["hint"] = f"{category.name} · {category.serious_records:,}"
            item["title"] = (
                f"Category {category.name} (Interp. 2017 Art. 5(1)({category.item})): "
                f"{category.serious_records:,} records = serious, {law.especially_multiplier:g}x = especially "
                f"serious; insiders x{law.insider_multiplier:g}"
            )
        out.append(item)
    return out


@lru_cache(maxsize=1)
def form_spec() -> dict[str, Any]:
    """The form of the page: per proceeding, groups of fields with labels, units, help and choices; the band and
    driver labels for drawing the answer. Raises ``ValueError`` if a field is not in the case model."""
    kinds: dict[str, Any] = {}
    for kind, groups in GROUPS.items():
        model = MODELS[kind]
        out_groups = []
        for en, zh, fields in groups:
            out_fields = []
            for field in fields:
                if field.name not in model.model_fields:
                    raise ValueError(f"form field {field.name} is not a {model.__name__} field")
                entry: dict[str, Any] = {
                    "name": field.name,
                    "label": field.label(),
                    "kind": field.kind,
                    "help": field.help,
                    "placeholder": field.placeholder,
                }
                if field.kind in ("choice", "multi", "by_type"):
                    entry["choices"] = _choices(field)
                out_fields.append(entry)
            out_groups.append({"title": f"{en} ({zh})", "fields": out_fields})
        kinds[kind] = {"groups": out_groups}
    law = load_law_table()
    return {
        "kinds": kinds,
        "law": {
            # the page draws with these (serving/static/app.js): no legal number is written in the script
            "version": law.version,
            "digest": law.digest,
            "axis_months": law.ranges[Band.especially_serious][1],
            "axis_ticks_months": [
                0,
                law.detention_months[1],
                *range(12, int(law.ranges[Band.especially_serious][1]) + 1, 12),  # not-law: a tick a year
            ],
            "probation_max_months": law.probation_max_months,
            "fine_gains_multiple": list(law.fine_gains_multiple),
        },
        "bands": {k: bilingual(v) for k, v in BANDS.items()},
        "features": {
            name: feature_label(name)
            for name in [*FEATURES, *(p + v.value for p, (_, _, e) in _PREFIXES.items() for v in e)]
        },
    }
