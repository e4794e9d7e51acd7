"""The webhooks room: signed Standard Webhooks to the shop when an order settles.

``events`` says what is sent, ``signing`` how it is signed, ``dispatcher`` when and how it is
delivered (written to the store's outbox in the transition's own transaction), ``cli`` the
``flask flexiti webhooks`` command.
May import: the core and ``store``.
"""
