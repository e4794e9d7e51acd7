"""How rooms below ``web`` reach the extension's per-app state: typed, and checked to be so."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from flexiti_checkout._app import EXTENSION_KEY, extension_part, extension_state


@dataclass(frozen=True)
class State:
    storefront: str
    webhooks: None = None


def test_the_state_and_its_parts_come_back_as_the_kind_asked_for():
    """The state is the record stored under EXTENSION_KEY; a part is its attribute."""
    app = Flask(__name__)
    state = State(storefront="the storefront")
    app.extensions[EXTENSION_KEY] = state
    assert extension_state(State, app) is state
    assert extension_part("storefront", str, app) == "the storefront"
    with app.app_context():
        assert extension_part("storefront", str) == "the storefront"


def test_a_state_or_part_of_another_kind_is_refused_naming_it():
    """What is stored is checked, so a typed caller never works on the wrong object."""
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = State(storefront="the storefront")
    with pytest.raises(TypeError, match="is not a Flask"):
        extension_state(Flask, app)
    with pytest.raises(TypeError, match="webhooks is a NoneType, not str"):
        extension_part("webhooks", str, app)


def test_an_app_without_the_extension_says_how_to_set_it_up():
    """A view or command on an app without FlexitiCheckout gets a sentence, not a KeyError."""
    with pytest.raises(RuntimeError, match=r"call FlexitiCheckout\(app\) or init_app\(app\)"):
        extension_state(object, Flask(__name__))
