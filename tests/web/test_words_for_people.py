"""Every error on a page speaks the page's words, not the command line's, and marks the field it concerns
(aria-invalid, described by the message); the command line still names its options."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli import main
from tests.web.factories import sign_in

COMMAND_LINE = re.compile(r"(?<![\w-])--[a-z]")  # an option such as --hub, --forbid


def marked(html: str, field_id: str, message_id: str) -> bool:
    """The field with this id is aria-invalid and described by the message with that id, which exists."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', html)
    return bool(tag) and 'aria-invalid="true"' in tag.group(0) and message_id in tag.group(0) and f'id="{message_id}"' in html


def test_adding_a_coordinator_without_a_hub_marks_the_hub_field(shared_app):
    admin = sign_in(shared_app, "admin")
    response = admin.post("/auth/users", {"name": "new.ec", "role": "coordinator", "hub_id": "", "password": "a long password"})
    assert response.status_code == 422
    assert "A coordinator works for one hub: say which." in response.text
    assert not COMMAND_LINE.search(response.text)
    assert marked(response.text, "new-hub", "add-user-error")


@pytest.mark.parametrize(
    "form, field, words",
    [
        ({"forbids_text": "nonsense"}, "forbids_text", "&#39;nonsense&#39; is not a pair: expected URN=ADVISER_REF"),
        ({"pins_text": "100002"}, "pins_text", "&#39;100002&#39; is not a pair"),
        ({"pins_text": "100002=EA-404"}, "pins_text", "adviser EA-404 is unknown"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "page"])
def test_a_bad_pair_marks_its_field_in_the_run_form(shared_app, form, field, words, htmx):
    coordinator = sign_in(shared_app, "coordinator")
    response = coordinator.post("/matching/runs", {"area": "Dorset", "as_of": "2020-02-15", **form}, htmx=htmx)
    assert response.status_code == 422 and words in response.text
    assert not COMMAND_LINE.search(response.text)
    assert marked(response.text, field, f"{field}-error")
    if htmx:
        assert response.headers["HX-Retarget"] == "#rerun" and "<html" not in response.text
        assert response.text.lstrip().startswith('<form method="post"')
    else:
        assert "<html" in response.text


@pytest.mark.parametrize(
    "path, field",
    [
        ("/dashboard/dorset?as_of=nonsense", "as_of"),
        ("/audit/?hub=dorset&as_of=2020-02-15&known_at=@x", "known_at"),
        ("/audit/log?kind=nonsense", "kind"),
    ],
)
def test_a_bad_query_value_names_its_field_for_the_page_to_mark(shared_app, path, field):
    lead = sign_in(shared_app, "lead")
    response = lead.get(path, htmx=True)
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#alerts"
    assert f'data-field="{field}"' in response.text and 'id="error-message"' in response.text
    assert not COMMAND_LINE.search(response.text)


def test_the_command_line_names_its_options(sqlite_url):
    runner = CliRunner()
    env = {"CAREERHUB_DATABASE_URL": sqlite_url}
    added = runner.invoke(
        main, ["users", "add", "ec", "--role", "coordinator", "--password-stdin"], input="a long password\n", env=env
    )
    assert added.exit_code == 1 and "--hub: a coordinator works for one hub" in added.output
    matched = runner.invoke(main, ["match", "--area", "Dorset", "--as-of", "2020-02-02", "--forbid", "nonsense"], env=env)
    assert matched.exit_code == 1 and "--forbid: 'nonsense' is not a pair" in matched.output
