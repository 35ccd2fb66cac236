"""`once`: GOV.UK macro output kept only for parameters fixed in the template."""

from __future__ import annotations

from safetynet.web import templating


def _input():
    env = templating.environment()
    module = env.get_template("govuk_frontend_jinja/components/input/macro.html").module
    return module.govukInput


def test_a_call_with_fixed_parameters_is_rendered_once_and_reused():
    templating._once.clear()
    params = {"label": {"text": "Why"}, "id": "reason", "name": "reason", "value": ""}
    first = templating.once(_input(), params)
    assert 'id="reason"' in first and len(templating._once) == 1
    assert templating.once(_input(), dict(params)) is first


def test_what_a_user_typed_or_an_error_is_never_kept():
    templating._once.clear()
    typed = {"label": {"text": "Why"}, "id": "reason", "name": "reason", "value": "moved away"}
    assert 'value="moved away"' in templating.once(_input(), typed)
    wrong = {"label": {"text": "Why"}, "id": "reason", "name": "reason"}
    wrong["errorMessage"] = {"text": "Say why"}
    assert "Say why" in templating.once(_input(), wrong)
    assert templating._once == {}
