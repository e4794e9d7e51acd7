"""Flexiti's callbacks, from the moment one arrives until its order is settled.

``processor`` stores each delivery (redacted) and later processes it as a hint to refresh the
order it names; ``search`` finds the order of a delivery that names none (Flexiti's documented
notification carries only a promo id); ``worker`` is the per-process threads that process stored
deliveries after the callback is answered; ``foreground`` makes that work wait for a gap between
requests; ``limit`` caps what strangers can store when the callback URL has no secret.
May import: the core, ``client``, ``store`` and the order service of ``lifecycle``
(``orders``, ``outcome``, ``redact``); nothing else in ``lifecycle`` imports this package.
"""
