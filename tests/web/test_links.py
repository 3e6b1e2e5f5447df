"""links_to (web/links.py): a list's links built once give exactly what url_for gives for each row."""

from __future__ import annotations

import pytest

from web.links import links_to

ODD_VALUES = ["100001", "a b", "a/b", "x?y#z", "50%", "é", "ünïcödé", "a+b&c=d", "0careerhub"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_a_link_built_once_equals_url_for_for_every_value(app, value):
    from flask import url_for

    with app.test_request_context():
        assert links_to("institution.page", "urn", as_of="2020-01-01")(value) == url_for(
            "institution.page", urn=value, as_of="2020-01-01"
        )
        assert links_to("audit.history", "urn")(value) == url_for("audit.history", urn=value)


def test_a_parameter_that_is_no_path_segment_is_refused(app):
    with app.test_request_context(), pytest.raises(ValueError, match="not a path segment"):
        links_to("institution.page", "as_of", urn="100001")
