"""The staff console's fixture, shared by its test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout.web.state import flexiti_state
from support.back_office import FakeBackOffice
from support.console import make_console


@pytest.fixture
def console(store_url, tmp_path) -> Iterator[tuple[Flask, FlaskClient, FakeBackOffice]]:
    app, fake = make_console(store_url, tmp_path)
    with app.test_client() as client:
        yield app, client, fake
    flexiti_state(app).store.engine.dispose()
