"""Reference data of the POS API: the option lists of merchants/login and i18n (POS API v2, v2.5).

English and French for the labels a customer reads first (salutations, provinces); the longer
lists are in English in both languages, as Flexiti's pages show them.
"""

from __future__ import annotations

from typing import Any

from flexiti_checkout.sandbox.plans import DEFERRED_PAYMENT, Plan, grouped
from flexiti_checkout.sandbox.validation import PROVINCES

PROVINCE_NAMES = {
    "en": (
        "Alberta", "British Columbia", "Manitoba", "New Brunswick", "Newfoundland & Labrador",
        "Nova Scotia", "Northwest Territories", "Nunavut", "Ontario", "Prince Edward Island",
        "Quebec", "Saskatchewan", "Yukon Territory",
    ),
    "fr": (
        "Alberta", "Colombie-Britannique", "Manitoba", "Nouveau-Brunswick",
        "Terre-Neuve-et-Labrador", "Nouvelle-Écosse", "Territoires du Nord-Ouest", "Nunavut",
        "Ontario", "Île-du-Prince-Édouard", "Québec", "Saskatchewan", "Yukon",
    ),
}  # fmt: skip
SALUTATIONS = {
    "en": {"mr": "Mr.", "ms": "Ms.", "mrs": "Mrs.", "mss": "Miss."},
    "fr": {"mr": "M.", "ms": "Mme", "mrs": "Mme", "mss": "Mlle"},
}
SECURITY_QUESTIONS = {
    "4": "What is the name of your favourite childhood friend?",
    "5": "What is the country of your ultimate dream vacation?",
    "6": "What was the first concert you attended?",
    "7": "What is the name of the street you grew up on?",
    "8": "What is the name of your first grade teacher?",
    "9": "What is your favourite movie?",
}
GOVID_TYPES = {
    "CADL": "Driver's Licence",
    "CAHC": "Health Card",
    "CAPID": "Provincial ID Card",
    "CAP": "Passport",
    "CAPRC": "Permanent Resident Card",
    "CAICBC": "Insurance Corporation of British Columbia",
    "CAAR": "Alberta Registries",
    "CASGI": "Saskatchewan Government Insurance",
    "CADSNS": "Department of Service Nova Scotia and Municipal Relations",
    "CADPPEI": "Department of Transportation and Public Works of the Province of Prince Edward "
    "Island",
    "CASNB": "Service New Brunswick",
    "CADGSNF": "Department of Government Services and Lands of the Province of Newfoundland and "
    "Labrador",
    "CADTNW": "Department of Transportation of the Northwest Territories",
    "CADCTN": "Department of Community Government and Transportation of the Territory of Nunavut",
    "CACSC": "Correctional Service Canada identification card (with the individual's name and "
    "photograph)",
    "CAGCEC": "Government of Canada employee identity card (with the individual's name and "
    "photograph)",
    "CALCB": "Liquor Control Board Age of Majority (BYID) card",
    "CACFL": "Canadian Firearms licence",
    "CACFID": "Canadian Forces identification card",
    "CAMPIC": "MPIC card issued by the Manitoba Public Insurance Corporation",
    "CACAID": "NEXUS or CANPASS Air membership card (issued by Canada Border Services Agency)",
}
#: Which authorities issue each kind of id (POS API v2's option_depends); ``*`` is every province.
ISSUERS = {
    "CADL": "*", "CAHC": "BC NB NL NT NU QC SK YT", "CAPID": "ON", "CAP": "CANADA",
    "CAPRC": "CANADA", "CAICBC": "BC", "CAAR": "AB", "CASGI": "SK", "CADSNS": "NS",
    "CADPPEI": "PE", "CASNB": "NB", "CADGSNF": "NL", "CADTNW": "NT", "CADCTN": "NU",
    "CACSC": "CANADA", "CAGCEC": "CANADA", "CALCB": "*", "CACFL": "CANADA", "CACFID": "CANADA",
    "CAMPIC": "MB", "CACAID": "CANADA",
}  # fmt: skip
OCCUPATIONS = {
    "FE": "Full-time Employment", "PE": "Part-time Employment", "SE": "Self-Employed",
    "RT": "Retired", "ST": "Student", "HM": "Homemaker", "DS": "Disability",
    "SW": "Seasonal Worker", "UE": "Unemployed with income", "UW": "Unemployed without income",
    "OT": "Other",
}  # fmt: skip
HOUSING_TYPES = {
    "Rent": "Rent",
    "Owned": "Owned",
    "Relatives": "Lives with Relatives",
    "Other": "Other",
}
TRANSACTION_TYPES = {
    "promotional_purchase": "Financed Purchase",
    "regular_purchase": "Revolving Purchase",
}
PLAN_NAMES = {"en": "Equal Payments, {apr} Interest", "fr": "Paiements égaux, intérêt {apr}"}
#: merchants/login's example names its deferred plans so.
DEFERRED_NAMES = {"en": "No Interest, No Payments", "fr": "Sans intérêt, sans paiement"}


def provinces(lang: str) -> dict[str, str]:
    return dict(zip(PROVINCES, PROVINCE_NAMES[lang], strict=True))


def issued_by(lang: str) -> dict[str, dict[str, str]]:
    """POS API v2's ``option_depends``: for each kind of id, the authorities that issue it."""
    names = {**provinces(lang), "CANADA": "Canada"}
    result = {}
    for kind, codes in ISSUERS.items():
        chosen = PROVINCES if codes == "*" else tuple(codes.split())
        result[kind] = {code: names[code] for code in chosen}
    return result


def plan_name(plan: Plan, lang: str = "en") -> str:
    if plan.category == DEFERRED_PAYMENT:
        return DEFERRED_NAMES[lang]
    apr = f"{plan.apr.normalize():f}%" if plan.apr else ("No" if lang == "en" else "sans")
    return PLAN_NAMES[lang].format(apr=apr)


def offer_types(plans: tuple[Plan, ...], lang: str, *, terms_as_text: bool) -> list[dict[str, Any]]:
    """The merchant's plans as ``offer_types``, one per plan id with all its terms (login
    writes terms as numbers, lookup as text)."""
    return [
        {
            "plan_name": plan_name(terms[0], lang),
            "term_options": [str(p.months) if terms_as_text else p.months for p in terms],
            "plan_id": plan_id,
            "offer_category": terms[0].category,
        }
        for plan_id, terms in grouped(plans).items()
    ]


def form_values(plans: tuple[Plan, ...], lang: str) -> dict[str, Any]:
    """merchants/login's ``form_values``, ``offer_types`` inside them as POS API v2 shows."""
    return {
        "salutation": {"options": SALUTATIONS[lang]},
        "province": {"options": provinces(lang)},
        "security_qid": {"options": dict(SECURITY_QUESTIONS)},
        "govid_type": {"options": dict(GOVID_TYPES)},
        "govid_issued_by": {"option_depends": issued_by(lang)},
        "offer_types": offer_types(plans, lang, terms_as_text=False),
    }


def i18n(plans: tuple[Plan, ...], lang: str) -> dict[str, Any]:
    """Every i18n key of POS API v2.5, in ``lang``."""
    return {
        "salutations": SALUTATIONS[lang],
        "provinces": provinces(lang),
        "security_ids": dict(SECURITY_QUESTIONS),
        "govid_types": dict(GOVID_TYPES),
        "govid_issued_bys": {"option_depends": issued_by(lang)},
        "occupation_ids": {"options": dict(OCCUPATIONS)},
        "transaction_types": dict(TRANSACTION_TYPES),
        "plan_ids": {plan.plan_id: plan_name(plan, lang) for plan in plans},
        "qcpa_disclosure": "Sandbox: Quebec Consumer Protection Act disclosure.",
        "insurance": "Sandbox: payment protection insurance.",
        "insurance_tc": "Sandbox: payment protection terms.",
        "annual_fees": "Sandbox: no annual fee.",
        "housing_type": dict(HOUSING_TYPES),
    }


def terms_html(lang: str, province: str | None) -> str:
    """The terms an applicant accepts; Quebec residents get their own (QCPA)."""
    quebec = province == "QC"
    if lang == "fr":
        title = "Conditions du titulaire (Québec)" if quebec else "Conditions du titulaire"
        text = "Bac à sable : aucun crédit réel n'est accordé."
    else:
        title = "Cardholder Agreement (Quebec)" if quebec else "Cardholder Agreement"
        text = "Sandbox: no real credit is granted."
    region = "qc" if quebec else "roc"
    return f"<div id='tcs' data-region='{region}'><h1>{title}</h1><p>{text}</p></div>"
