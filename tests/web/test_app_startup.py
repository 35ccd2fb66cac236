"""The entitlement engine is warmed only by a serving process, never by a command that merely
builds the app (a daemon thread still importing at exit aborts the interpreter)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from safetynet.config import get_settings
from safetynet.web import app as web_app


def test_warm_up_starts_with_serving_not_with_building(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    monkeypatch.setattr(web_app, "warm_up_entitlements", lambda: started.append("warm"))
    settings = get_settings().model_copy(update={"environment": "production"})
    app = web_app.create_app(settings)
    assert started == []
    with TestClient(app):
        assert started == ["warm"]


def test_tests_never_warm_up(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    monkeypatch.setattr(web_app, "warm_up_entitlements", lambda: started.append("warm"))
    with TestClient(web_app.create_app()):
        pass
    assert started == []
