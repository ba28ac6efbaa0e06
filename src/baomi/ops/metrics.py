"""Prometheus metrics: request counts and latency by route, and business gauges computed
at scrape time (counts only: no titles, no names, no levels of individual items).

Under gunicorn with several workers each worker counts its own requests; `baomi serve` sets
PROMETHEUS_MULTIPROC_DIR (a folder under the data folder, emptied at start) before
prometheus_client is imported, and a scrape then sums every worker's files. Without it
(runserver, tests) the counters live in this process's registry.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

logger = logging.getLogger("baomi.ops")

# Our own registry: the default one would also collect process metrics (single-process only)
# and a test that reloads this module would register twice.
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "baomi_http_requests_total", "HTTP requests by route name, method and status class",
    ["route", "method", "status"], registry=REGISTRY,
)
LATENCY = Histogram(
    "baomi_http_request_duration_seconds", "HTTP request duration by route name",
    ["route", "method"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe(*, route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "OTHER"  # the label set stays bounded
    REQUESTS.labels(route=route, method=method, status=f"{status // 100}xx").inc()
    LATENCY.labels(route=route, method=method).observe(seconds)


class BusinessCollector(Collector):
    """Counts the secrecy office watches, read from the database at each scrape (a handful of
    COUNT queries; the audit chain is not verified here, only its head read)."""

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._collect()
            ok = 1
        except Exception as exc:  # the scrape still answers: request metrics, and this flag
            logger.warning("business metrics failed: %s", type(exc).__name__)
            ok = 0
        yield GaugeMetricFamily("baomi_business_metrics_up", "1 when the business gauges were computed", value=ok)

    def _collect(self) -> Iterator[Metric]:
        from django.utils import timezone

        from baomi.approvals.models import ApprovalStep, StepStatus
        from baomi.audit.models import ChainHead, Checkpoint
        from baomi.carriers.models import OUT_STATUSES, SHELVED_STATUSES, Copy, Direction
        from baomi.inspections.models import Rectification, RectStatus

        now = timezone.now()
        families: list[Metric] = []
        families.append(GaugeMetricFamily(
            "baomi_approvals_pending", "Approval steps waiting for a decision",
            value=ApprovalStep.objects.filter(status=StepStatus.PENDING).count()))
        overdue = GaugeMetricFamily("baomi_copies_overdue", "Carrier copies past due, by kind", labels=["kind"])
        # The dashboard's predicates (carriers.selectors.overdue_copies / due_for_hand_back), unit-wide:
        # out (lent, circulating, taken out) past their due time; incoming copies past their 清退 date.
        overdue.add_metric(["out"], Copy.objects.filter(status__in=OUT_STATUSES, due_at__lt=now).count())
        overdue.add_metric(["hand_back"], Copy.objects.filter(
            status__in=SHELVED_STATUSES, carrier__direction=Direction.INCOMING,
            carrier__return_by__lt=timezone.localdate()).count())
        families.append(overdue)
        rect = GaugeMetricFamily("baomi_rectifications_open", "Rectifications not closed, by status",
                                 labels=["status"])
        for status in (RectStatus.OPEN, RectStatus.REPORTED):
            rect.add_metric([str(status)], Rectification.objects.filter(status=status).count())
        families.append(rect)
        rect_late = Rectification.objects.filter(status=RectStatus.OPEN, due_on__lt=timezone.localdate()).count()
        families.append(GaugeMetricFamily("baomi_rectifications_overdue", "Open rectifications past their deadline",
                                          value=rect_late))

        head = ChainHead.objects.filter(pk=1).first()
        last = Checkpoint.objects.order_by("-tree_size").values("tree_size", "ts_us").first()
        seq = head.seq if head else 0
        families.append(GaugeMetricFamily("baomi_audit_head_seq", "Sequence number of the last audit event",
                                          value=seq))
        families.append(GaugeMetricFamily(
            "baomi_audit_checkpoint_tree_size", "Events covered by the last signed checkpoint",
            value=last["tree_size"] if last else 0))
        families.append(GaugeMetricFamily(
            "baomi_audit_checkpoint_timestamp_seconds", "Time of the last signed checkpoint (0: none yet)",
            value=last["ts_us"] / 1e6 if last else 0))
        families.append(GaugeMetricFamily(
            "baomi_audit_unsigned_events", "Audit events after the last signed checkpoint",
            value=seq - (last["tree_size"] if last else 0)))
        yield from families


class _Local(Collector):
    """This process's request metrics (single-process mode)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition() -> bytes:
    registry = CollectorRegistry()
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.path.isdir(folder):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_Local())
    registry.register(BusinessCollector())
    return generate_latest(registry)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get("BAOMI_METRICS_ALLOWED_IPS", "127.0.0.1,::1")
    return [ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]


def scrape_allowed(request: HttpRequest) -> bool:
    """Loopback only by default (BAOMI_METRICS_ALLOWED_IPS, addresses or networks); with
    BAOMI_METRICS_TOKEN set, the bearer token is required as well."""
    from baomi.core.middleware import request_address

    try:
        address = ipaddress.ip_address(request_address(request))
    except ValueError:
        return False
    if not any(address in network for network in _allowed_networks()):
        return False
    token = os.environ.get("BAOMI_METRICS_TOKEN", "")
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), token.encode())
    return True


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)

