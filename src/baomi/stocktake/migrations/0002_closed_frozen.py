"""A closed stocktake never changes, in the database itself: no scan or expected copy is
added to it, none of its rows is edited, and the stocktake row itself stays as closed.
(Deletes are left to the foreign keys' PROTECT and to the test database's flush.)"""

from django.db import migrations

from baomi.core import triggers

TAKE, SCAN, EXPECTED = "stocktake_stocktake", "stocktake_scan", "stocktake_expected"
MESSAGE = "a closed stocktake never changes"

SQLITE = [
    ("stocktake_closed_no_update",
     f"CREATE TRIGGER stocktake_closed_no_update BEFORE UPDATE ON {TAKE} WHEN OLD.status = 'closed' "
     f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"),
] + [
    (f"{table}_closed_no_{op.lower()}",
     f"CREATE TRIGGER {table}_closed_no_{op.lower()} BEFORE {op} ON {table} "
     f"WHEN (SELECT status FROM {TAKE} WHERE id = {row}.stocktake_id) = 'closed' "
     f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;")
    for table in (SCAN, EXPECTED) for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"))
]

POSTGRES_FUNCTIONS = [
    "CREATE OR REPLACE FUNCTION baomi_stocktake_closed_row() RETURNS trigger AS $$ "
    f"BEGIN IF OLD.status = 'closed' THEN RAISE EXCEPTION '{MESSAGE}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;",
    "CREATE OR REPLACE FUNCTION baomi_stocktake_closed_child() RETURNS trigger AS $$ "
    f"BEGIN IF (SELECT status FROM {TAKE} WHERE id = NEW.stocktake_id) = 'closed' "
    f"OR (TG_OP = 'UPDATE' AND (SELECT status FROM {TAKE} WHERE id = OLD.stocktake_id) = 'closed') THEN "
    f"RAISE EXCEPTION '{MESSAGE}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;",
]
POSTGRES = [
    ("stocktake_closed_frozen", TAKE,
     f"CREATE TRIGGER stocktake_closed_frozen BEFORE UPDATE ON {TAKE} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_stocktake_closed_row();"),
    ("stocktake_scan_closed_frozen", SCAN,
     f"CREATE TRIGGER stocktake_scan_closed_frozen BEFORE INSERT OR UPDATE ON {SCAN} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_stocktake_closed_child();"),
    ("stocktake_expected_closed_frozen", EXPECTED,
     f"CREATE TRIGGER stocktake_expected_closed_frozen BEFORE INSERT OR UPDATE ON {EXPECTED} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_stocktake_closed_child();"),
]


class Migration(migrations.Migration):
    dependencies = [("stocktake", "0001_initial")]
    operations = [triggers.install(sqlite=SQLITE, postgres_functions=POSTGRES_FUNCTIONS, postgres=POSTGRES)]
