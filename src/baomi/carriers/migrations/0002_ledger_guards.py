"""The custody ledger is append-only and destruction is final, in the database itself.

- no UPDATE or DELETE of a ledger entry (destruction records are kept permanently);
- a destroyed copy's row never changes and is never deleted;
- no ledger entry is added for a destroyed copy (the DESTROY entry is written before the
  copy's status changes, so it is the last one).

Getting round these needs DDL rights (dropping a trigger), as for the audit log.
"""

from django.db import migrations

from baomi.core import triggers

LEDGER, COPY = "carriers_movement", "carriers_copy"

SQLITE = [
    ("carriers_movement_no_update",
     f"CREATE TRIGGER carriers_movement_no_update BEFORE UPDATE ON {LEDGER} "
     "BEGIN SELECT RAISE(ABORT, 'the carrier ledger is append-only'); END;"),
    ("carriers_movement_no_delete",
     f"CREATE TRIGGER carriers_movement_no_delete BEFORE DELETE ON {LEDGER} "
     "BEGIN SELECT RAISE(ABORT, 'the carrier ledger is append-only'); END;"),
    ("carriers_movement_not_after_destroyed",
     f"CREATE TRIGGER carriers_movement_not_after_destroyed BEFORE INSERT ON {LEDGER} "
     f"WHEN (SELECT status FROM {COPY} WHERE id = NEW.copy_id) = 'destroyed' "
     "BEGIN SELECT RAISE(ABORT, 'a destroyed copy takes no further movement'); END;"),
    ("carriers_copy_destroyed_no_update",
     f"CREATE TRIGGER carriers_copy_destroyed_no_update BEFORE UPDATE ON {COPY} WHEN OLD.status = 'destroyed' "
     "BEGIN SELECT RAISE(ABORT, 'a destroyed copy never changes'); END;"),
    ("carriers_copy_destroyed_no_delete",
     f"CREATE TRIGGER carriers_copy_destroyed_no_delete BEFORE DELETE ON {COPY} WHEN OLD.status = 'destroyed' "
     "BEGIN SELECT RAISE(ABORT, 'a destroyed copy never changes'); END;"),
]

POSTGRES_FUNCTIONS = [
    "CREATE OR REPLACE FUNCTION baomi_carriers_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the carrier ledger is append-only'; END; $$ LANGUAGE plpgsql;",
    "CREATE OR REPLACE FUNCTION baomi_carriers_destroyed_final() RETURNS trigger AS $$ "
    "BEGIN IF OLD.status = 'destroyed' THEN RAISE EXCEPTION 'a destroyed copy never changes'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;",
    "CREATE OR REPLACE FUNCTION baomi_carriers_not_after_destroyed() RETURNS trigger AS $$ "
    f"BEGIN IF (SELECT status FROM {COPY} WHERE id = NEW.copy_id) = 'destroyed' THEN "
    "RAISE EXCEPTION 'a destroyed copy takes no further movement'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;",
]
POSTGRES = [
    ("carriers_movement_append_only", LEDGER,
     f"CREATE TRIGGER carriers_movement_append_only BEFORE UPDATE OR DELETE ON {LEDGER} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_carriers_append_only();"),
    ("carriers_movement_not_after_destroyed", LEDGER,
     f"CREATE TRIGGER carriers_movement_not_after_destroyed BEFORE INSERT ON {LEDGER} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_carriers_not_after_destroyed();"),
    ("carriers_copy_destroyed_final", COPY,
     f"CREATE TRIGGER carriers_copy_destroyed_final BEFORE UPDATE OR DELETE ON {COPY} "
     "FOR EACH ROW EXECUTE FUNCTION baomi_carriers_destroyed_final();"),
]


class Migration(migrations.Migration):
    dependencies = [("carriers", "0001_initial")]
    operations = [triggers.install(sqlite=SQLITE, postgres_functions=POSTGRES_FUNCTIONS, postgres=POSTGRES)]
