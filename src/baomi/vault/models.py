"""电子载体内容: the encrypted content of electronic carriers, one row per uploaded version.

The database holds what describes and unlocks the content (wrapped data key, nonce,
algorithm, plaintext SHA-256, fingerprints); the ciphertext itself is in the blob store.
A re-upload is a new version; old versions are kept.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from baomi.carriers.models import LEVEL_CHOICES


class ContentFile(models.Model):
    carrier = models.ForeignKey("carriers.Carrier", verbose_name=_("载体"), on_delete=models.PROTECT,
                                related_name="content_files")
    version = models.PositiveIntegerField(_("版本"))
    # The carrier's level at upload (for SQL filters and the no-write-down constraint).
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    algorithm = models.CharField(_("加密算法"), max_length=40)
    key_id = models.CharField(_("主密钥标识"), max_length=16)
    wrapped_key = models.BinaryField(_("封装的数据密钥"))
    nonce = models.BinaryField()
    blob_name = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey("accounts.User", verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # The scanner's reading of the content: its status (ok / error / unsupported / skipped) and
    # the highest classification mark found in it (None: no mark).
    scan_status = models.CharField(_("读取状态"), max_length=12, default="ok")
    mark_level = models.PositiveSmallIntegerField(_("文件标注密级"), null=True, blank=True)
    # Winnowing fingerprints of the extracted text (base64 of sorted uint64, scanner.fingerprint).
    fingerprint = models.TextField(blank=True)
    fingerprint_length = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("电子载体内容")
        verbose_name_plural = _("电子载体内容")
        ordering = ["carrier_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "version"], name="content_version_unique_per_carrier"),
            models.CheckConstraint(condition=Q(version__gte=1), name="content_version_positive"),
            models.CheckConstraint(condition=Q(size__gte=0), name="content_size_nonnegative"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="content_level_marked"),
            models.CheckConstraint(condition=~Q(sha256="") & ~Q(algorithm="") & ~Q(blob_name=""),
                                   name="content_sealed"),
            # No write-down: a file marked higher than its carrier is never stored in it.
            models.CheckConstraint(condition=Q(mark_level__isnull=True) | Q(mark_level__lte=F("level")),
                                   name="content_mark_within_carrier_level"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} v{self.version}"

    @property
    def aad(self) -> bytes:
        """What the ciphertext is bound to: moving a blob under another record fails to decrypt."""
        return f"baomi.vault/1|{self.carrier_id}|{self.version}|{self.blob_name}|{self.sha256}".encode()

    @property
    def label(self) -> str:
        """Register number and version, for audit summaries (never the title or file name)."""
        return f"{self.carrier.register_no} 第{self.version}版"
