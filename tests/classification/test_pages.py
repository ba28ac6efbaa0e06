"""定密 pages: the guided flow (guide entry → proposal → adjust → confirm → the mark shown
large), proposals, changes, notices, review, import, authorities and reports, each through
its service."""

from __future__ import annotations

import io
import re

from django.test import Client

from baomi.classification.models import Authority, Decision, DecisionStatus, Notice, Review
from tests.classification.conftest import events
from tests.classification.test_excel_and_reports import GOOD, workbook
from tests.conftest import login


def client_for(user) -> Client:
    return login(Client(), user)


def main(html: str) -> str:
    return re.search(r"<main>.*</main>", html, re.S).group(0)


def test_guided_classification_flow(designated, sunwei, chen, entries, units):
    c = client_for(sunwei)
    pick = c.get("/classification/new/?q=草案").content.decode()
    assert "城市总体规划修编草案" in pick and "机密★10年" in pick and "预算执行明细" not in pick
    step2 = c.get(f"/classification/new/?guide_entry={entries['1.1'].pk}").content.decode()
    assert 'value="10年"' in step2 and "规划科、委领导" in step2  # the proposal and the need-to-know hint
    form = {"secret_type": "state", "guide_entry": entries["1.1"].pk, "title": "控制性详细规划草案",
            "level": "4", "period": "5年", "ntk_people": [chen.pk], "unit": units["planning"].pk,
            "reasons": "尚未公布", "proposer": sunwei.pk}
    confirm = c.post("/classification/new/", form).content.decode()
    assert 'data-testid="preview-mark"' in confirm and "机密★5年" in confirm
    assert not Decision.objects.exists(), "nothing is saved before the confirmation"
    done = c.post("/classification/new/", {**form, "stage": "confirm"}, follow=True)
    decision = Decision.objects.get()
    assert done.redirect_chain[-1][0] == f"/classification/{decision.pk}/"
    body = done.content.decode()
    assert 'data-testid="mark"' in body and "机密★5年" in body and "已定密" in body
    assert decision.authority == designated and events("classification.decide")


def test_refusal_is_shown_on_the_form(designated, sunwei, entries, units):
    form = {"secret_type": "state", "guide_entry": entries["1.1"].pk, "title": "绝密事项", "level": "5",
            "period": "20年", "ntk_people": [sunwei.pk], "unit": units["planning"].pk, "stage": "confirm"}
    body = client_for(sunwei).post("/classification/new/", form).content.decode()
    assert "超出定密权限" in body and not Decision.objects.exists()


def test_proposal_through_the_page_and_confirmation(designated, sunwei, zhoujing, reference, units):
    c = client_for(zhoujing)
    assert "您不是定密责任人" in c.get("/classification/new/").content.decode()
    form = {"secret_type": "work", "work_reference": reference.pk, "title": "领导调研方案", "period": "6个月",
            "ntk_people": [zhoujing.pk], "unit": units["planning"].pk, "authority": designated.pk,
            "stage": "confirm"}
    response = c.post("/classification/new/", form, follow=True)
    proposal = Decision.objects.get()
    assert proposal.status == DecisionStatus.PROPOSED and "已报送" in response.content.decode()
    s = client_for(sunwei)
    assert "领导调研方案" in s.get("/classification/").content.decode()
    s.post(f"/classification/{proposal.pk}/confirm/", {"level": "", "period": "3个月"})
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.IN_FORCE and proposal.mark == "内部事项 注意保管"
    assert proposal.period.zh == "3个月"


def test_change_request_notice_and_acknowledgement_pages(budget, zhoujing, wutao, chen, password):
    c = client_for(zhoujing)
    c.post(f"/classification/{budget.pk}/change/", {"kind": "extend", "new_period": "8年",
                                                     "justification": "项目延期"})
    change = budget.changes.get()
    decide = client_for(chen).post(f"/approvals/{change.approval_id}/", {
        "decision": "approve", "comment": "同意", "password": password}, follow=True)
    assert decide.status_code == 200
    page = client_for(chen).get(f"/classification/{budget.pk}/").content.decode()
    assert 'data-testid="previous-mark"' in page and "秘密★5年" in page and "秘密★8年" in page
    assert "吴涛" in main(page) and "周静" in main(page)  # outstanding acknowledgements
    notice = Notice.objects.get(person=wutao)
    client_for(wutao).post("/classification/notices/", {"notice": notice.pk})
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    bad = client_for(zhoujing).post(f"/classification/{budget.pk}/change/", {"kind": "lift", "justification": ""},
                                    follow=True)
    assert "书面理由" in bad.content.decode() or "此字段是必填项" in bad.content.decode()


def test_review_page_bulk_keep(head, chen, entries, units, zhoujing):
    import datetime

    from baomi.classification import services
    from tests.classification.conftest import ntk

    old = [services.decision_create(actor=chen, title=f"旧事项{i}", secret_type="state", guide_entry=entries["3"],
                                    need_to_know=ntk(zhoujing), unit=units["finance"],
                                    decided_on=datetime.date(2024, 1, 10 + i)) for i in range(2)]
    c = client_for(chen)
    assert all(d.title in c.get("/classification/review/").content.decode() for d in old)
    c.post("/classification/review/", {"decisions": [d.pk for d in old], "outcome": "keep"})
    assert Review.objects.count() == 2


def test_guide_import_page_shows_row_errors(officer, guide):
    c = client_for(officer)
    data = workbook([*GOOD, ["4", "", "", "秘密", "5年"]])
    upload = io.BytesIO(data)
    upload.name = "guide.xlsx"
    body = c.post("/classification/guide/import/", {"title": "新版", "file": upload, "dry_run": "on"}).content.decode()
    assert 'data-testid="import-errors"' in body and "事项名称不能为空" in body
    good = io.BytesIO(workbook(GOOD))
    good.name = "guide.xlsx"
    body = c.post("/classification/guide/import/", {"title": "新版", "file": good, "dry_run": "on"}).content.decode()
    assert 'data-testid="dry-run-ok"' in body
    good.seek(0)
    c.post("/classification/guide/import/", {"title": "新版", "file": good})
    assert guide.__class__.objects.get(is_current=True).entries.count() == len(GOOD)
    export = c.get("/classification/guide/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_authority_page_for_the_security_administrator(secadmin, chen, sunwei, units):
    c = client_for(secadmin)
    c.post("/classification/authorities/", {"person": chen.pk, "unit_head": "on", "max_level": "4"})
    head = Authority.objects.get()
    c.post("/classification/authorities/", {
        "person": sunwei.pk, "max_level": "4", "unit": units["planning"].pk, "scope_codes": "1，2",
        "basis_number": "示发改〔2025〕12号", "basis_date": "2025-03-01", "designated_by": chen.pk})
    designated = Authority.objects.get(person=sunwei)
    assert designated.scope_codes == ["1", "2"] and designated.designated_by == chen
    page = c.get("/classification/authorities/").content.decode()
    assert "孙伟" in page and "示发改〔2025〕12号" in page
    c.post(f"/classification/authorities/{designated.pk}/revoke/", {"reason": "调岗"})
    designated.refresh_from_db()
    assert designated.revoked_at is not None and head.revoked_at is None


def test_reports_page_and_downloads(planning_draft, chen, zhoujing):
    c = client_for(chen)
    page = c.get("/classification/reports/").content.decode()
    assert 'data-testid="by-level"' in page and "机密：1" in page
    assert c.get("/classification/reports/state-secrets.xlsx").status_code == 200
    pdf = c.get("/classification/reports/state-secrets.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client_for(zhoujing).get("/classification/reports/").status_code == 403


def test_pages_in_english_too(planning_draft, sunwei):
    c = client_for(sunwei)
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert c.get(f"/classification/{planning_draft.pk}/").status_code == 200
