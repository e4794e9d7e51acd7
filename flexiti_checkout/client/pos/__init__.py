"""Flexiti's POS API (merchant back office and in-store calls) as parts of ``FlexitiClient``.

Every call uses the merchant scope. ``transactions`` creates, changes, posts, cancels and returns
purchases; ``customers`` covers the merchant session, reference data, applications, accounts and
customers; ``calls`` is what every POS call shares (the URL's version, field helpers); ``schemas``
reads the answers into the typed ``results``.

Flexiti's pages write each endpoint's URL with its own version, and the client keeps it:

=====================================================================  =======
endpoint                                                               version
=====================================================================  =======
``merchants/login``, ``terms-and-conditions``, ``apply``, ``i18n``,    v2.5
``information``, ``widget/init``, ``widget/authorization``,
``accounts/{n}/close``,
``account/{n}/verify``, ``accounts/{n}/calculate-interest``
(deprecated), ``authorization`` (deprecated), ``oauth/token``
``customers/lookup``, ``customers/search``, ``customers/{id}/verify``,  v2
``customers/{id}/transactions``, ``customers/driverslicense``,
``customers/close-account``, ``transactions`` (create, ``PUT``,
``authorized``, ``post``, ``cancel``, ``return``)
=====================================================================  =======

``pos_api_url`` is the v2.5 base; the v2 base is the same URL with ``v2`` as its last segment.
Calls that change something at Flexiti (transactions, returns, applications) are never sent
twice unless no connection was made; reads are retried like the Online API's lookups.

May import: the rest of ``client`` and the core.
"""
