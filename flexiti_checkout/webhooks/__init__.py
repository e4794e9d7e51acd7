"""The webhooks room: signed Standard Webhooks to the shop when an order settles.

``events`` says what is sent, ``signing`` how it is signed, ``dispatcher`` when and how it is
delivered (written to the store's outbox in the transition's own transaction). The
``flask flexiti webhooks`` command is in ``web.cli.webhooks``.
May import: the core and ``store``.
"""
