"""The web room: the Flask extension ``FlexitiCheckout`` and everything it wires into an app.

Settings (``settings``, ``setting_values``), the per-app state (``state``), the blueprint and its
views (the modal page, the customer's return, the callback receiver), the health check, the
``flask flexiti`` commands, and the signing of tokens the browser carries.
May import: every room below it (``lifecycle``, ``storefront``, ``webhooks``, ``store``,
``client``) and the core. The sandbox only inside sandbox mode, at the moment it is needed.
"""
