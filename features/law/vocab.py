"""Closed vocabularies of the case data (../shared/data/README.md). Unknown words are refused by the schema."""

from __future__ import annotations

from enum import StrEnum


class DataType(StrEnum):
    whereabouts = "whereabouts"
    communication_content = "communication_content"
    credit = "credit"
    property = "property"
    lodging = "lodging"
    communication_records = "communication_records"
    health = "health"
    transaction = "transaction"
    identity = "identity"
    contact = "contact"
    address = "address"
    financial_account = "financial_account"
    account_password = "account_password"
    biometric = "biometric"
    vehicle = "vehicle"
    education = "education"
    employment = "employment"
    real_estate = "real_estate"
    parcel = "parcel"
    minor_info = "minor_info"
    business_data = "business_data"
    other = "other"


class VictimCategory(StrEnum):
    general_public = "general_public"
    minors = "minors"
    students = "students"
    elderly = "elderly"
    patients = "patients"
    homeowners = "homeowners"
    parents = "parents"
    customers = "customers"
    investors = "investors"
    car_owners = "car_owners"
    job_seekers = "job_seekers"
    businesses = "businesses"
    platform_users = "platform_users"
    specific_individual = "specific_individual"
    other = "other"


class Conduct(StrEnum):
    sell = "sell"
    provide = "provide"
    obtain_purchase = "obtain_purchase"
    steal_hack = "steal_hack"
    scrape = "scrape"
    collect_without_consent = "collect_without_consent"
    leak = "leak"
    use = "use"
    other = "other"


class DownstreamUse(StrEnum):
    fraud = "fraud"
    marketing = "marketing"
    debt_collection = "debt_collection"
    stalking = "stalking"
    other = "other"


class Proceeding(StrEnum):
    criminal = "criminal"
    civil = "civil"
    public_interest = "public_interest"


class Role(StrEnum):
    principal = "principal"
    accessory = "accessory"
    sole = "sole"


class PlaintiffType(StrEnum):
    individual = "individual"
    company = "company"
    procuratorate = "procuratorate"
    consumer_association = "consumer_association"
    other = "other"


class DefendantType(StrEnum):
    platform = "platform"
    company = "company"
    individual = "individual"
    government = "government"
    other = "other"


class ClaimType(StrEnum):
    privacy = "privacy"
    personal_information = "personal_information"
    data_unfair_competition = "data_unfair_competition"
    public_interest = "public_interest"
    other = "other"


class Instance(StrEnum):
    first = "first"
    second = "second"


class SourceKind(StrEnum):
    """Where a case's source stands (../shared/data/README.md): most rows are reposts."""

    official = "official"  # a court, procuratorate or other government site
    press = "press"  # a news outlet
    law_firm = "law_firm"  # a law firm's or lawyer's write-up
    secondary = "secondary"  # a repost or aggregator page copying one of these
    title_only = "title_only"  # no address; known by the title of an official notice


class Authority(StrEnum):
    """What a published case can do for a court (law table [precedent])."""

    guiding_case = "guiding_case"  # SPC 指导性案例: courts shall refer to it
    case_library = "case_library"  # 人民法院案例库 reference case: courts shall search the library
    procuratorate_guiding = "procuratorate_guiding"  # SPP 检例
    published = "published"  # any other published case: reference only


class Band(StrEnum):
    """Statutory band of Criminal Law Art. 253-1 as set by Interp. 2017 (法释〔2017〕10号) Art. 5."""

    none = "none"
    serious = "serious"
    especially_serious = "especially_serious"
