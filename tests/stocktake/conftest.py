"""The carriers' office (tests/carriers/conftest.py) and a shelf to count."""

from __future__ import annotations

from typing import Any

from baomi.carriers.labels import label_code
from baomi.carriers.models import Copy, StorageClass
from tests.carriers.conftest import Office, build_office, office, register  # noqa: F401

CABINET = "秘书股 文件柜"
SAFE = "机要室 1号保险柜"


def shelf(o: Office) -> dict[str, Any]:
    """王芳's shelves: two 秘密 copies in the cabinet, one 秘密 copy in the safe, one 机密 copy
    in the cabinet that 赵磊 (一般) may not see, and one copy lent out from the cabinet."""
    secret = register(o.wangfang, mark="秘密★10年", copies=2, storage=StorageClass.CABINET, location=CABINET,
                      title="关于价格监测情况的通报", units=[o.units["planning"]])
    elsewhere = register(o.wangfang, mark="秘密★5年", copies=1, storage=StorageClass.SAFE, location=SAFE,
                         title="关于粮食储备情况的报告", doc_number="省发改〔2026〕13号")
    hidden = register(o.wangfang, mark="机密★10年", copies=1, storage=StorageClass.COMBINATION, location=CABINET,
                      title="重大项目选址方案（绝不外传）", doc_number="省发改〔2026〕14号")
    return {"a": secret.copies.get(serial=1), "b": secret.copies.get(serial=2), "safe": elsewhere.copies.get(),
            "hidden": hidden.copies.get()}


def code(copy: Copy) -> str:
    return label_code(copy)
