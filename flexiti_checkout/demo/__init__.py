"""A small demo shop that uses the extension as a merchant would, served in sandbox mode."""

from flexiti_checkout.demo.views import demo_blueprint

__all__ = ["demo_blueprint"]
