"""The 制度落实 page, the secrecy office's dashboard, the SVG chart tags and the API."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from django.template import Context, Template

from baomi import policy
from baomi.compliance.selectors import GROUP_NAMES
from tests.compliance.conftest import overdue_reading
from tests.conftest import login

SVG = "{http://www.w3.org/2000/svg}"


def _svgs(html: str) -> list[ET.Element]:
    chunks, rest = [], html
    while "<svg" in rest:
        start = rest.index("<svg")
        end = rest.index("</svg>", start) + len("</svg>")
        chunks.append(ET.fromstring(rest[start:end]))  # well-formed XML or this raises
        rest = rest[end:]
    return chunks


def test_chart_tags_render_valid_svg_with_escaped_labels():
    source = '{% load compliance_charts %}{% bar_chart data "分级<统计>" %}{% line_chart points "趋势" %}'
    html = Template(source).render(
        Context({"data": [("机密", 3), ("<script>", 1, "bad"), ("空", 0)],
                 "points": [("9月", 1), ("10月", 4), ("11月", 2)]}))
    assert "<script>" not in html
    bar, line = _svgs(html)
    assert bar.tag == f"{SVG}svg" and bar.find(f"{SVG}title").text == "分级<统计>"
    widths = [float(r.get("width")) for r in bar.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] == 0  # proportional to the values
    assert bar.findall(f"{SVG}rect")[1].get("fill") == "#c62828"
    assert len(list(line.iter(f"{SVG}circle"))) == 3 and line.find(f"{SVG}polyline") is not None
    empty = _svgs(Template("{% load compliance_charts %}{% bar_chart data %}").render(Context({"data": []})))
    assert empty[0].tag == f"{SVG}svg"


def test_ordinary_people_and_other_administrators_are_refused(client, office):
    for person in (office.zhoujing, office.sunwei, office.wangfang, office.sysadmin, office.auditor):
        login(client, person)
        assert client.get("/compliance/").status_code == 403, person.username
        assert client.get("/api/v1/compliance/rules").status_code == 403
        assert client.get("/api/v1/compliance/dashboard").status_code == 403
        assert ("制度落实", "compliance:index") not in policy.navigation_for(person)
        client.logout()


def test_page_lists_every_rule_with_live_figures_for_the_office(client, office):
    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    login(client, office.topofficer)
    assert ("制度落实", "compliance:index") in policy.navigation_for(office.topofficer)
    page = client.get("/compliance/").content.decode()
    assert page.count('data-rule="') >= 174
    assert "CARRIER-06 绝密随阅随退：1 份超过当日应还时间未退回" in page
    assert "绝密通知甲" not in page  # counts, never titles
    assert 'data-rule="ORG-10" data-state="out"' in page and "Drafting rules is human work" in page
    assert 'data-rule="MEET-01"' in page
    assert "<svg" in page
    only = client.get("/compliance/?group=CARRIER&state=embodied").content.decode()
    assert 'data-rule="CARRIER-06"' in only and 'data-rule="PERS-07"' not in only


def test_levels_above_clearance_are_not_counted_on_the_page(client, office):
    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    login(client, office.lijianhua)  # 重要: 机密 at most
    page = client.get("/compliance/").content.decode()
    assert "绝密随阅随退：" not in page and "不适用（超出您的查看范围）" in page
    rules = {r["id"]: r for r in client.get("/api/v1/compliance/rules").json()}
    assert rules["CARRIER-06"]["figure"] is None and rules["CARRIER-17"]["figure"]["value"] == 0
    assert rules["CARRIER-06"]["has_figure"] and not rules["MEET-01"]["has_figure"]


def test_security_administrator_sees_counts_of_non_classified_registers_only(client, office):
    overdue_reading(office, mark="机密★5年", reader_name="sunwei")
    login(client, office.secadmin)
    assert client.get("/compliance/").status_code == 200
    rules = {r["id"]: r for r in client.get("/api/v1/compliance/rules").json()}
    assert rules["CARRIER-17"]["figure"] is None and rules["PERS-02"]["figure"] is not None
    assert client.get("/api/v1/compliance/dashboard").json()["copies"] is None
    assert 'data-testid="office-dashboard"' not in client.get("/").content.decode()


def test_classification_authority_may_open_the_page(client, office):
    from tests.factories import make_person

    authority = make_person("dingmi", unit=office.units["planning"], clearance="IMPORTANT",
                            roles=[("classification_authority", office.units["planning"])])
    login(client, authority)
    assert client.get("/compliance/").status_code == 200
    assert client.get("/api/v1/compliance/dashboard").json()["copies"] is None  # no unit-wide table


def test_dashboard_shows_charts_for_the_secrecy_office_and_keeps_the_cards(client, office):
    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    overdue_reading(office, mark="机密★5年", reader_name="sunwei")
    login(client, office.topofficer)
    page = client.get("/").content.decode()
    assert 'data-testid="office-dashboard"' in page and 'data-testid="card"' in page
    svgs = _svgs(page)
    assert len(svgs) == 4
    assert "绝密随阅随退：1 份超过当日应还时间未退回" in page
    data = client.get("/api/v1/compliance/dashboard").json()
    assert data["copies"]["total"] == 2 and data["copies"]["hidden_levels"] == []
    assert {i["code"]: i["value"] for i in data["overdue"]}["CARRIER-06"] == 1
    client.logout()
    login(client, office.lijianhua)
    page = client.get("/").content.decode()
    assert "绝密" not in page.split('data-testid="copy-counts"')[1].split("</table>")[0]
    assert "绝密级载体不计入" in page
    data = client.get("/api/v1/compliance/dashboard").json()
    assert data["copies"]["total"] == 1 and data["copies"]["hidden_levels"] == ["绝密"]
    assert "CARRIER-06" not in {i["code"] for i in data["overdue"]}


def test_ordinary_home_page_has_no_unit_wide_view(client, office):
    overdue_reading(office, mark="机密★5年", reader_name="sunwei")
    login(client, office.sunwei)
    page = client.get("/").content.decode()
    assert 'data-testid="office-dashboard"' not in page and "<svg" not in page
    assert 'data-testid="card"' in page


def test_api_rules_shape(client, office):
    login(client, office.lijianhua)
    rows = client.get("/api/v1/compliance/rules").json()
    assert len(rows) >= 174 and {r["group"] for r in rows} <= set(GROUP_NAMES)
    by_id = {r["id"]: r for r in rows}
    assert by_id["CARRIER-06"]["title"] == "随阅随退" and by_id["CARRIER-06"]["state"] == "embodied"
    assert by_id["CARRIER-06"]["embodiments"][0]["tests"][0].startswith("tests/")
    assert by_id["ORG-10"]["state"] == "out" and by_id["ORG-10"]["out_reason"]
    assert json.dumps(rows, ensure_ascii=False).count("绝密通知") == 0
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/compliance/rules" in schema["paths"] and "/api/v1/compliance/dashboard" in schema["paths"]


def test_report_export_counts_only_and_is_audited(client, office):
    """ORG-08: the unit's secrecy information collected for the report upward."""
    from baomi.audit.models import AuditEvent

    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    login(client, office.topofficer)
    response = client.get("/compliance/report.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) >= 175 and lines[0].startswith("规则,标题")
    assert any(line.startswith("CARRIER-06,随阅随退") and "1 份超过当日应还时间未退回" in line for line in lines)
    assert "绝密通知甲" not in text
    event = AuditEvent.objects.filter(action="compliance.report.export").latest("id")
    details = json.loads(event.details)
    assert details["rules"] >= 174 and details["statuses"]["bad"] >= 1
    client.logout()
    login(client, office.zhoujing)
    assert client.get("/compliance/report.csv").status_code == 403
    assert AuditEvent.objects.filter(action="compliance.report.export", outcome="denied").exists()
