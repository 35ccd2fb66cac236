"""Smaller page fixes: sign-out in the header on every signed-in page, and ward names and
counts written on the ward map (not only in tooltips)."""

from __future__ import annotations

import re

from sqlalchemy import select

from safetynet.accounts.models import WebSession
from tests.web.linkage_world import AS_OF, act_as


def test_sign_out_is_in_the_header_and_ends_the_session(lw, client, db):
    token = act_as(client, db, lw.users["caseworker"])
    for path in ("/", "/residents", f"/residents/{lw.residents['C']}"):
        page = client.get(path).text
        header = page.split('<header class="govuk-template__header">')[1].split("</header>")[0]
        form = header.split('<form method="post" action="/logout">')[1].split("</form>")[0]
        assert f'name="csrf_token" value="{token}"' in form and ">Sign out</button>" in form
        assert page.count('action="/logout"') == 1  # once, in the header
    done = client.post("/logout", data={"csrf_token": token})
    assert done.status_code == 303
    assert client.get("/").status_code == 303  # signed out: sent to sign in
    db.expire_all()
    assert list(db.scalars(select(WebSession))) == []  # ended on the server, not only forgotten


def test_a_signed_out_page_has_no_sign_out(client, lw):
    page = client.get("/login").text
    assert "Sign out" not in page and 'action="/logout"' not in page


def test_the_ward_map_writes_each_wards_name_and_count_inside_it(lw, client, db):
    act_as(client, db, lw.users["analyst"])
    html = client.get(f"/gaps?as_of={AS_OF.isoformat()}").text
    ward_map = html.split('id="ward-map"')[1].split("</svg>")[0]
    labels = re.findall(
        r'<text class="app-map-label" x="([\d.]+)" y="([\d.]+)"[^>]*>'
        r"([^<]+)<tspan[^>]*>(\d+)</tspan>",
        ward_map,
    )
    assert sorted((name, count) for _, _, name, count in labels) == [
        ("Northgate", "1"),
        ("Old Town", "2"),
    ]
    shapes = dict(re.findall(r'<path d="([^"]+)"[^>]*><title>([^:]+):', ward_map))
    for x, y, name, _ in labels:
        path = next(d for d, n in shapes.items() if n == name)
        xs = [float(v) for v in re.findall(r"([\d.]+) [\d.]+", path)]
        ys = [float(v) for v in re.findall(r"[\d.]+ ([\d.]+)", path)]
        assert min(xs) < float(x) < max(xs) and min(ys) < float(y) < max(ys), name
    # Drawn after the outlines, so no ward covers a label.
    assert ward_map.rindex("<path") < ward_map.index("<text")
