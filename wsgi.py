"""The standalone Flexiti checkout service: ``gunicorn wsgi:app``.

Settings come from the environment (``FLEXITI_*``, see the README). With nothing set it runs in
sandbox mode against a built-in Flexiti simulator.
"""

from flexiti_checkout.service import create_app

app = create_app()
