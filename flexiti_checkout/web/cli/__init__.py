"""``flask flexiti …``: the commands an engineer on call or a shop's staff runs.

``commands`` is the ``flexiti`` group and the commands about the whole shop (``check``,
``reconcile``, ``replay``, ``db``, ``prune``, ``orders``, ``test-notification``, ``sandbox``);
``actions`` the commands that act on one order (``refund``, ``refunds``, ``cancel``, ``review``,
``refund-outcome``); ``webhooks`` lists the webhook events the shop has not received and sends
them again.
May import: what the rest of ``web`` may.
"""
