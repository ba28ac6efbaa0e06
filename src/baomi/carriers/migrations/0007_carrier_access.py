"""carrier_access: the need-to-know rows of every carrier with its registration date and level
copied in, so that a reader's first page is an index walk over their units and themself
(see models.CarrierAccess and selectors.VisibleCarriers).

The rows are kept by triggers, in the same transaction as the change that makes them stale,
whichever code makes it (services, the admin's bulk paths, raw SQL, benchmark data):
inserting, changing or deleting a need-to-know row (unit or person), and changing a
carrier's level or registration date. Then the existing rows are copied in."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ACCESS = "carriers_carrieraccess"
SOURCES = [  # (need-to-know table, its column, the access table's column)
    ("carriers_carrier_need_to_know_units", "unit_id", "unit_id"),
    ("carriers_carrier_need_to_know_people", "user_id", "person_id"),
]


def _insert(row: str, column: str, target: str) -> str:
    other = "person_id" if target == "unit_id" else "unit_id"
    return (f"INSERT INTO {ACCESS} (carrier_id, {target}, {other}, registered_on, level) "
            f"SELECT c.id, {row}.{column}, NULL, c.registered_on, c.level FROM carriers_carrier c "
            f"WHERE c.id = {row}.carrier_id;")


def _delete(row: str, column: str, target: str) -> str:
    return f"DELETE FROM {ACCESS} WHERE carrier_id = {row}.carrier_id AND {target} = {row}.{column};"


CARRIER_UPDATE = (f"UPDATE {ACCESS} SET registered_on = NEW.registered_on, level = NEW.level "
                  f"WHERE carrier_id = NEW.id;")


def _postgresql() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for table, column, target in SOURCES:
        name = f"{table}_access"
        forward += [
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN {_delete("OLD", column, target)} END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN {_insert("NEW", column, target)} END IF;
  RETURN NULL;
END $$;""",
            f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}();",
        ]
        backward += [f"DROP TRIGGER IF EXISTS {name} ON {table};", f"DROP FUNCTION IF EXISTS {name}();"]
    forward += [
        f"""CREATE FUNCTION carriers_carrier_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {CARRIER_UPDATE}
  RETURN NULL;
END $$;""",
        "CREATE TRIGGER carriers_carrier_access AFTER UPDATE OF level, registered_on ON carriers_carrier "
        "FOR EACH ROW WHEN (OLD.level IS DISTINCT FROM NEW.level OR OLD.registered_on IS DISTINCT FROM "
        "NEW.registered_on) EXECUTE FUNCTION carriers_carrier_access();",
    ]
    backward += ["DROP TRIGGER IF EXISTS carriers_carrier_access ON carriers_carrier;",
                 "DROP FUNCTION IF EXISTS carriers_carrier_access();"]
    return forward, backward


def _sqlite() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for table, column, target in SOURCES:
        for event, body in [("INSERT", _insert("NEW", column, target)),
                            ("DELETE", _delete("OLD", column, target)),
                            ("UPDATE", _delete("OLD", column, target) + " " + _insert("NEW", column, target))]:
            name = f"{table}_access_{event.lower()}"
            forward.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END;")
            backward.append(f"DROP TRIGGER IF EXISTS {name};")
    forward.append("CREATE TRIGGER carriers_carrier_access AFTER UPDATE OF level, registered_on ON carriers_carrier "
                   "FOR EACH ROW WHEN OLD.level IS NOT NEW.level OR OLD.registered_on IS NOT NEW.registered_on "
                   f"BEGIN {CARRIER_UPDATE} END;")
    backward.append("DROP TRIGGER IF EXISTS carriers_carrier_access;")
    return forward, backward


def _statements(vendor: str) -> tuple[list[str], list[str]]:
    if vendor == "postgresql":
        return _postgresql()
    if vendor == "sqlite":
        return _sqlite()
    raise NotImplementedError(f"carrier_access triggers for {vendor}")


def install(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    forward, _backward = _statements(schema_editor.connection.vendor)
    for sql in forward:
        schema_editor.execute(sql, params=None)
    for table, column, target in SOURCES:  # the rows written before the triggers
        other = "person_id" if target == "unit_id" else "unit_id"
        schema_editor.execute(
            f"INSERT INTO {ACCESS} (carrier_id, {target}, {other}, registered_on, level) "
            f"SELECT c.id, t.{column}, NULL, c.registered_on, c.level FROM {table} t "
            f"JOIN carriers_carrier c ON c.id = t.carrier_id", params=None)


def uninstall(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _forward, backward = _statements(schema_editor.connection.vendor)
    for sql in backward:
        schema_editor.execute(sql, params=None)
    schema_editor.execute(f"DELETE FROM {ACCESS}", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_roles_courier_editor'),
        ('carriers', '0006_notebook_kind'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CarrierAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('registered_on', models.DateField()),
                ('level', models.PositiveSmallIntegerField(choices=[(1, '内部'), (2, '工作秘密'), (3, '秘密'), (4, '机密'), (5, '绝密')])),
                ('carrier', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='carriers.carrier')),
                ('person', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.unit')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('unit__isnull', False)), fields=['unit', '-registered_on', '-carrier', 'level'], name='carrier_access_unit_idx'), models.Index(condition=models.Q(('person__isnull', False)), fields=['person', '-registered_on', '-carrier', 'level'], name='carrier_access_person_idx'), models.Index(fields=['carrier'], name='carrier_access_carrier_idx')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
