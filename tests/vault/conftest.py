"""The carriers cast, electronic carriers at and above the system level, and small documents."""

from __future__ import annotations

import io
from typing import Any

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from baomi.audit.models import AuditEvent
from baomi.carriers.models import Carrier, CarrierKind, StorageClass
from tests.carriers.conftest import Office, office, register  # noqa: F401  (fixtures)

REPORT = (
    "示范市2026年重点项目推进情况内部报告。一、总体进展：全市列入年度计划的重点项目共计一百二十六个，"
    "截至十月底已开工一百零八个，完成年度投资计划的百分之八十七。二、存在问题：部分项目用地报批进度偏慢，"
    "个别项目融资渠道尚未落实，施工许可办理周期较长。三、下一步工作：一是建立重点项目周调度机制，"
    "二是协调自然资源部门加快用地预审，三是组织银企对接会，帮助项目单位解决融资难题，"
    "四是对进度滞后的项目实行挂牌督办，每月通报一次。四、请各科室于下月五日前报送本科室负责项目的进展情况，"
    "并提出需要协调解决的问题清单，由办公室汇总后报委领导审定。"
)


@pytest.fixture
def work(office: Office) -> Carrier:  # noqa: F811
    """A 工作秘密 electronic carrier of 规划科, its one copy kept by 王芳."""
    return register(office.wangfang, mark="工作秘密", copies=1, kind=CarrierKind.ELECTRONIC, direction="made",
                    title="示范市重点项目推进情况内部报告（电子版）", storage=StorageClass.CABINET,
                    location="机要室 文件柜", units=[office.units["planning"]])


@pytest.fixture
def confidential(office: Office) -> Carrier:  # noqa: F811
    return register(office.wangfang, mark="秘密★5年", copies=1, kind=CarrierKind.ELECTRONIC, direction="made",
                    title="能源保供预案（电子版）", storage=StorageClass.COMBINATION, location="机要室 密码柜",
                    units=[office.units["planning"]])


@pytest.fixture
def paper(office: Office) -> Carrier:  # noqa: F811
    return register(office.wangfang, mark="工作秘密", copies=1, direction="made", title="会议纪要（纸质）",
                    storage=StorageClass.CABINET, location="机要室 文件柜", units=[office.units["planning"]])


def pdf(pages: list[str], header: str = "") -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for text in pages:
        c.setFont("STSong-Light", 12)
        if header:
            c.drawString(72, 800, header)
        c.drawString(72, 760, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def events(action: str, outcome: str = "ok") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, outcome=outcome).order_by("seq"))


def blobs(root: Any) -> list[str]:
    folder = root / "blobs"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(autouse=True)
def vault_dir(tmp_path, monkeypatch):
    """A private data folder per test: its own master key and blob store."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("BAOMI_DATA_DIR", str(folder))
    monkeypatch.delenv("BAOMI_MASTER_KEY", raising=False)
    return folder


def details(event: AuditEvent) -> dict[str, Any]:
    import json

    return json.loads(event.details)
