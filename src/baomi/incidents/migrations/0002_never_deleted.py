"""Concealing is not possible (INC-01 "不准隐瞒泄密事件"), in the database itself:

- an incident is never deleted (it is closed with a reason);
- a closed incident (结案 / 不予立案) never changes;
- measures, investigation notes and penalties are append-only.

Getting round these needs DDL rights (dropping a trigger) or the table owner's TRUNCATE, as for
the ledger (no TRUNCATE trigger here: the test suite's flush truncates every table on PostgreSQL).
"""

from django.db import migrations

from baomi.core import triggers

INCIDENT, ENTRY, PENALTY = "incidents_incident", "incidents_entry", "incidents_penalty"
CLOSED = "('closed', 'dismissed')"

SQLITE = [
    ("incidents_incident_no_delete",
     f"CREATE TRIGGER incidents_incident_no_delete BEFORE DELETE ON {INCIDENT} "
     "BEGIN SELECT RAISE(ABORT, 'an incident is never deleted'); END;"),
    ("incidents_incident_closed_final",
     f"CREATE TRIGGER incidents_incident_closed_final BEFORE UPDATE ON {INCIDENT} WHEN OLD.status IN {CLOSED} "
     "BEGIN SELECT RAISE(ABORT, 'a closed incident never changes'); END;"),
    ("incidents_entry_no_update",
     f"CREATE TRIGGER incidents_entry_no_update BEFORE UPDATE ON {ENTRY} "
     "BEGIN SELECT RAISE(ABORT, 'incident records are append-only'); END;"),
    ("incidents_entry_no_delete",
     f"CREATE TRIGGER incidents_entry_no_delete BEFORE DELETE ON {ENTRY} "
     "BEGIN SELECT RAISE(ABORT, 'incident records are append-only'); END;"),
    ("incidents_penalty_no_update",
     f"CREATE TRIGGER incidents_penalty_no_update BEFORE UPDATE ON {PENALTY} "
     "BEGIN SELECT RAISE(ABORT, 'penalties are append-only'); END;"),
    ("incidents_penalty_no_delete",
     f"CREATE TRIGGER incidents_penalty_no_delete BEFORE DELETE ON {PENALTY} "
     "BEGIN SELECT RAISE(ABORT, 'penalties are append-only'); END;"),
]

POSTGRES_FUNCTIONS = [
    "CREATE OR REPLACE FUNCTION baomi_incidents_guard() RETURNS trigger AS $$ "
    "BEGIN IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'an incident is never deleted'; END IF; "
    f"IF OLD.status IN {CLOSED} THEN RAISE EXCEPTION 'a closed incident never changes'; END IF; "
    "RETURN NEW; END; $$ LANGUAGE plpgsql;",
    "CREATE OR REPLACE FUNCTION baomi_incidents_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'incident records are append-only'; END; $$ LANGUAGE plpgsql;",
]
POSTGRES = [
    ("incidents_incident_guard", INCIDENT,
     f"CREATE TRIGGER incidents_incident_guard BEFORE UPDATE OR DELETE ON {INCIDENT} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_incidents_guard();"),
    ("incidents_entry_append_only", ENTRY,
     f"CREATE TRIGGER incidents_entry_append_only BEFORE UPDATE OR DELETE ON {ENTRY} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_incidents_append_only();"),
    ("incidents_penalty_append_only", PENALTY,
     f"CREATE TRIGGER incidents_penalty_append_only BEFORE UPDATE OR DELETE ON {PENALTY} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_incidents_append_only();"),
]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [triggers.install(sqlite=SQLITE, postgres_functions=POSTGRES_FUNCTIONS, postgres=POSTGRES)]
