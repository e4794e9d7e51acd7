"""Flexiti's callbacks without the customer's personal data, and the order ids they carry.

Every callback delivery is stored before it is acted on, so that nothing is lost to a crash or an
outage; Flexiti's callbacks carry the customer's name, date of birth, postal code and virtual card
number, which must not sit in that store (or in logs) in clear. ``redact`` removes them and keeps
what an engineer needs to replay or debug a delivery: ids, statuses, amounts, plan and match
scores. ``extract_identifiers`` finds which order a delivery is about, wherever Flexiti put the id.

Payloads come as JSON, form fields or query strings; by the time they get here they are nested
dicts and lists of strings and numbers. Keys are compared by their letters and digits only, since
Flexiti's pages spell the same field ``customer_fname``, ``customerFname`` or ``first-name``.

Whatever a stranger sends is stored, so ``redact`` also makes it storable on every database: no
NUL or lone surrogate in any string (PostgreSQL refuses both), keys of bounded length, and no
nesting deeper than ``MAX_DEPTH``. An identifier is only ever printable text of bounded length.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = [
    "REDACTED",
    "SECRET_KEYS",
    "customer_name_key",
    "extract_hints",
    "extract_identifiers",
    "redact",
    "redact_text",
    "storable",
]

REDACTED = "[redacted]"


def customer_name_key(secret: str, first_name: str | None, last_name: str | None) -> str | None:
    """A keyed hash of a customer's first and last names (case, accents' spacing and blanks
    ignored), or ``None`` without both: what an order keeps so that Flexiti's promo-id lookup,
    which answers the names, can point at it. The names themselves are never stored."""
    first, last = (" ".join((name or "").casefold().split()) for name in (first_name, last_name))
    if not first or not last:
        return None
    digest = hmac.new(secret.encode(), f"{first}\x00{last}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


#: What replaces a value nested deeper than ``MAX_DEPTH`` in a stored delivery.
TOO_DEEP = "[too deep]"
MAX_DEPTH = 32
#: Longer keys are no field of Flexiti's: stored cut to this length, never looked up.
MAX_KEY = 128

#: Keys whose values are personal data, as ``normalise_key`` spells them.
PERSONAL_KEYS = frozenset(
    {
        # names
        "name", "fullname", "fname", "mname", "lname",
        "firstname", "middlename", "lastname", "salutation",
        "customername", "customerfname", "customermname", "customerlname",
        "customerfirstname", "customermiddlename", "customerlastname",
        "cardholder", "cardholdername",
        # date of birth
        "dob", "customerdob", "dateofbirth", "customerdateofbirth", "birthdate", "birthday",
        # postal code
        "postalcode", "customerpostalcode", "postcode", "zip", "zipcode",
        # address lines
        "address", "address1", "address2", "addressline1", "addressline2",
        "customeraddress", "street", "streetaddress",
        # contact
        "email", "emailaddress", "customeremail",
        "phone", "phonenumber", "customerphone", "customerphonenumber", "mobile", "telephone",
        # cards and government ids
        "vcc", "cardnumber", "pan", "cc", "ccnumber", "creditcard", "creditcardnumber",
        "cvv", "cvc", "sin", "socialinsurancenumber",
    }
)  # fmt: skip

#: Keys whose values are secrets: Flexiti's proof of concept returns the customer with an
#: ``auth_token``. Never logged, stored or echoed, whatever their value looks like.
SECRET_KEYS = frozenset(
    {
        "authtoken", "token", "accesstoken", "refreshtoken", "idtoken", "bearer",
        "clientsecret", "secret", "password",
    }
)  # fmt: skip

#: Under this key the values are 0..1 scores of how well the shop's data matched Flexiti's, keyed
#: by field name ("first_name": 0.33): the scores are kept, they are the fraud signal.
SCORES_KEY = "customercomparisonresult"

_IDENTIFIER_KEYS = {
    "merchant_order_id": {"merchantorderid", "merchantorder", "reference"},
    # Widget init's id and the lookup's are two ids: nothing says they are equal.
    "online_order_id": {"onlineorderid", "orderid"},
    "transaction_id": {"transactionid"},
    "promo_id": {"promoid"},
}
MAX_IDENTIFIER = 128
# NUL and lone surrogates: text no database column takes (PostgreSQL refuses both).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Digit groups separated by single spaces or dashes: the shape card numbers are written in.
# Groups of one or two digits are no card's grouping (4-4-4-4, 4-6-5, ...); leaving them out also
# keeps a hostile "1 1 1 1 ..." from costing more than a glance.
_DIGIT_RUN = re.compile(r"[0-9]{3,}(?:[ -][0-9]{3,})*")
_DIGITS = re.compile(r"[0-9]+")
_CARD_LENGTHS = range(13, 20)


@lru_cache(maxsize=1024)
def _normalise(key: str) -> str:
    segments = [part for part in re.split(r"[\[\].]", key) if part]
    last = segments[-1] if segments else ""
    return re.sub(r"[^0-9a-z]", "", last.lower())


def normalise_key(key: Any) -> str:
    """A key as compared here: its last form-style segment (``purchase[vcc]``), letters and
    digits only, lower case. Cached: callbacks repeat the same few dozen keys. A key longer
    than ``MAX_KEY`` is no field name at all: it normalises to ``""``."""
    text = str(key)
    return "" if len(text) > MAX_KEY else _normalise(text)


#: Values a copy of the payload may share with it: they cannot change.
_IMMUTABLE = (bool, int, float, Decimal)


@lru_cache(maxsize=1024)
def _stored_key(key: str) -> str:
    """A key as stored (``storable``, cut to ``MAX_KEY``); cached: callbacks repeat their keys."""
    return storable(key, MAX_KEY)


def storable(text: str, limit: int | None = None) -> str:
    """``text`` as every database can store it: NUL and lone surrogates become U+FFFD, and it is
    cut to ``limit`` characters."""
    return _UNSTORABLE.sub("\ufffd", text if limit is None else text[:limit])


def redact(payload: Any) -> Any:
    """A deep copy of ``payload`` with personal values and card numbers replaced by REDACTED,
    storable as it is (see the module's docstring)."""
    return _redact(payload, scores=False, depth=0)


def _redact(value: Any, *, scores: bool, depth: int) -> Any:
    kind = type(value)
    if kind is str:  # most of a payload, so asked first
        return storable(redact_text(value))
    if value is None or kind in _IMMUTABLE:
        return value  # nothing in it to change, nothing shared to copy
    mapping = kind is dict or isinstance(value, Mapping)
    if (mapping or isinstance(value, (list, tuple))) and depth >= MAX_DEPTH:
        return TOO_DEEP
    if mapping:
        copied = {}
        for key, item in value.items():
            name = normalise_key(key)
            stored_key = _stored_key(key) if isinstance(key, str) else key
            secret = name in SECRET_KEYS and item not in (None, "")
            personal = name in PERSONAL_KEYS and not _is_kept_personal(item, scores=scores)
            if secret or personal:
                copied[stored_key] = REDACTED
            else:
                scored = scores or name == SCORES_KEY
                copied[stored_key] = _redact(item, scores=scored, depth=depth + 1)
        return copied
    if isinstance(value, list):
        return [_redact(item, scores=scores, depth=depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(_redact(item, scores=scores, depth=depth + 1) for item in value)
    if isinstance(value, str):
        return storable(redact_text(value))
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)


def _is_kept_personal(value: Any, *, scores: bool) -> bool:
    """Whether a personal key's value reveals nothing and is worth keeping.

    An empty value shows which fields Flexiti left blank; a number among the comparison scores
    is a score, not the customer's data.
    """
    if value is None or value == "":
        return True
    is_number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    return scores and is_number


def redact_text(text: str) -> str:
    """``text`` with anything that looks like a card number (13 to 19 digits, possibly grouped
    by spaces or dashes, passing the Luhn check) replaced by REDACTED."""
    return _DIGIT_RUN.sub(lambda run: _redact_cards_in_run(run[0]), text)


def _redact_cards_in_run(run: str) -> str:
    """Redact card numbers in one run of digit groups, such as "4111 1111 1111 1111 123".

    A card may start and end at any group, so the longest span from each group is tried.
    """
    groups = list(_DIGITS.finditer(run))
    kept, position, start = [], 0, 0
    while start < len(groups):
        end = _card_end(groups, start)
        if end is None:
            start += 1
            continue
        kept += [run[position : groups[start].start()], REDACTED]
        position = groups[end].end()
        start = end + 1
    kept.append(run[position:])
    return "".join(kept)


def _card_end(groups: list[re.Match[str]], start: int) -> int | None:
    """The last group of the longest card number starting at ``groups[start]``, if any.

    Stops once past 19 digits, so a long run of short groups costs linear time, not quadratic.
    """
    found, digits = None, ""
    for end in range(start, len(groups)):
        digits += groups[end][0]
        if len(digits) > _CARD_LENGTHS[-1]:
            break
        if len(digits) in _CARD_LENGTHS and _passes_luhn(digits):
            found = end
    return found


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def extract_identifiers(payload: Any) -> dict[str, str]:
    """Every order identifier ``payload`` carries: ``merchant_order_id``, ``online_order_id``,
    ``transaction_id``, ``promo_id``; for each, the first found at the shallowest depth."""
    return _first_found(payload, _IDENTIFIER_NAMES)


#: What a delivery says besides order ids, used only to steer a search, never to decide.
_HINT_KEYS = {
    "customer_id": {"customerid"},
    "outcome": {"notificationtype", "purchasestatus", "applystatus", "status"},
}


def extract_hints(payload: Any) -> dict[str, str]:
    """The Flexiti customer id and the announced outcome (``notificationType``, a status) a
    delivery carries; for each, the first found at the shallowest depth."""
    return _first_found(payload, _HINT_NAMES)


def _first_found(payload: Any, kinds: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """For each kind, the first usable value under one of its keys, at the shallowest depth.

    ``kinds`` gives the kinds each normalised key is of (``_by_name``)."""
    found: dict[str, str] = {}
    for key, value in _breadth_first(payload):
        for kind in kinds.get(normalise_key(key), ()):
            if kind not in found:
                text = _identifier(value)
                if text is not None:
                    found[kind] = text
    return found


def _by_name(kinds: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """A table of kinds and their keys turned around: the kinds each key is of, in order."""
    names = {name for keys in kinds.values() for name in keys}
    return {name: tuple(k for k, keys in kinds.items() if name in keys) for name in names}


_IDENTIFIER_NAMES = _by_name(_IDENTIFIER_KEYS)
_HINT_NAMES = _by_name(_HINT_KEYS)


def _breadth_first(payload: Any) -> Iterator[tuple[Any, Any]]:
    """Every (key, value) pair in nested dicts and lists, shallowest first."""
    level: list[Any] = [payload]
    while level:
        deeper: list[Any] = []
        for node in level:
            if type(node) is dict or isinstance(node, Mapping):
                yield from node.items()
                deeper.extend(node.values())
            elif isinstance(node, (list, tuple)):
                deeper.extend(node)
        level = deeper


def _identifier(value: Any) -> str | None:
    # A query string parsed with parse_qs (or MultiDict.to_dict(flat=False)) gives lists.
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return _numeric_identifier(value)
    if isinstance(value, str):
        text = value.strip()[:MAX_IDENTIFIER]
        # An id holds printable characters only: NUL or a lone surrogate could not even be looked
        # up on PostgreSQL, and a control character names no order.
        return text if text and text.isprintable() else None
    return None


def _numeric_identifier(value: int | float | Decimal) -> str | None:
    """A number as an id: 131209.0 from a JSON parser is the id 131209; nothing huge or odd."""
    if isinstance(value, int) and value.bit_length() > 4 * MAX_IDENTIFIER:
        return None  # str() of a huge int is slow, or refused by Python itself
    number = Decimal(value)
    # Comparisons and exponents only until it is known to be small (1e999999999 is 47 bytes).
    if not number.is_finite() or number < 0 or number.adjusted() >= MAX_IDENTIFIER:
        return None
    if number != number.to_integral_value():
        return None
    return format(number.to_integral_value(), "f")
