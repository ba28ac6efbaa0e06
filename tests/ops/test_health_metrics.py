"""/healthz, /readyz and /metrics through the test client."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from baomi.ops import health, metrics
from tests.conftest import login
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_healthz_open_and_cheap(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "keys"}
    for entry in body["checks"].values():
        assert entry["status"] == "ok"
        assert isinstance(entry["ms"], float)


def test_readyz_probe_leaves_no_blob(client, settings):
    from baomi import conf

    blobs = conf.data_dir() / "blobs"

    def files() -> set[str]:  # other tests of this worker may have stored content before
        return {str(p) for p in blobs.rglob("*") if p.is_file()} if blobs.exists() else set()

    before = files()
    assert client.get("/readyz").status_code == 200
    assert files() == before


def test_readyz_fails_503_without_leaking_the_message(client, monkeypatch):
    def broken() -> None:
        raise OSError("/srv/baomi/blobs: secret-host-name unreachable")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["storage"] == {"status": "fail", "error": "OSError", "ms": body["checks"]["storage"]["ms"]}
    assert body["checks"]["database"]["status"] == "ok"
    assert "secret-host-name" not in response.content.decode()


def test_readyz_fails_on_a_bad_master_key(client, monkeypatch):
    monkeypatch.setenv("BAOMI_MASTER_KEY", "dG9vc2hvcnQ=")  # base64 of 8 bytes
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["keys"]["status"] == "fail"
    assert "dG9vc2hvcnQ" not in response.content.decode()


def test_probes_open_to_a_signed_in_user_behind_a_gate(client):
    """A person who must still change the password is redirected everywhere else, not here."""
    person = make_person("gated")
    person.must_change_password = True
    person.save()
    client.force_login(person)
    assert client.get("/carriers/").status_code == 302
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_metrics_counts_requests_by_route_name_not_path(client):
    person = make_person("metricsuser")
    login(client, person)
    client.get("/healthz")
    client.get("/carriers/999999/")  # an id in the path: must not become a label
    text = client.get("/metrics").content.decode()
    assert 'baomi_http_requests_total{method="GET",route="healthz",status="2xx"}' in text
    assert not re.search(r'="[^"]*999999', text)  # in no label (a duration sum may hold those digits)
    assert "baomi_http_request_duration_seconds_bucket" in text


def test_business_gauges(client):
    from baomi.inspections.models import RectStatus
    from tests.factories import make_unit

    unit = make_unit("督查科", "inspect-m")
    owner = make_person("rectowner", unit=unit)
    from baomi.inspections.models import Rectification

    Rectification.objects.create(title="绝不出现的整改标题", unit=unit, owner=owner, source="test",
                                 due_on=timezone.localdate() - datetime.timedelta(days=3))
    Rectification.objects.create(title="x", unit=unit, owner=owner, source="test", status=RectStatus.REPORTED,
                                 due_on=timezone.localdate())
    text = client.get("/metrics").content.decode()
    assert 'baomi_rectifications_open{status="open"} 1.0' in text
    assert 'baomi_rectifications_open{status="reported"} 1.0' in text
    assert "baomi_rectifications_overdue 1.0" in text
    assert "baomi_approvals_pending 0.0" in text
    assert 'baomi_copies_overdue{kind="out"} 0.0' in text
    assert "baomi_audit_head_seq" in text
    assert "baomi_business_metrics_up 1.0" in text
    assert "绝不出现的整改标题" not in text


def test_audit_gauges_follow_the_chain(client):
    from baomi.audit.models import ChainHead
    from baomi.audit.services import checkpoint_now

    make_person("someone")  # creating people writes audit events
    checkpoint = checkpoint_now()
    head = ChainHead.objects.get(pk=1)
    text = client.get("/metrics").content.decode()
    assert f"baomi_audit_head_seq {float(head.seq)}" in text
    if checkpoint is not None:
        assert f"baomi_audit_checkpoint_tree_size {float(checkpoint.tree_size)}" in text
        assert f"baomi_audit_unsigned_events {float(head.seq - checkpoint.tree_size)}" in text


def test_metrics_refused_from_elsewhere(client):
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert b"baomi_" not in response.content


def test_metrics_allowed_network(client, monkeypatch):
    monkeypatch.setenv("BAOMI_METRICS_ALLOWED_IPS", "10.1.0.0/16")
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_token(client, monkeypatch):
    monkeypatch.setenv("BAOMI_METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200


def test_metrics_forwarded_address_not_trusted_by_default(client):
    """A client cannot claim loopback through a header unless the operator trusts the proxy."""
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


def test_business_collector_survives_a_database_error(monkeypatch):
    def broken(self):
        raise RuntimeError("db down")
        yield

    monkeypatch.setattr(metrics.BusinessCollector, "_collect", broken)
    text = metrics.exposition().decode()
    assert "baomi_business_metrics_up 0.0" in text
