"""Flexiti financing for django-oscar shops, through the flexiti-checkout service over HTTP.

``service`` talks to the service's JSON API; ``checkout`` is Oscar's checkout app paying with
Flexiti; ``orders`` places an Oscar order once Flexiti approves and keeps it in step with the
service's webhooks; ``views`` has the customer's return, the webhook and the dashboard's refund.
Nothing here imports ``flexiti_checkout``.
"""
