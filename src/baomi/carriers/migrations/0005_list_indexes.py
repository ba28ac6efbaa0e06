"""Indexes for the carrier list at scale (benchmarks/carriers.py, 1M carriers).

The list walks carriers in registration order and keeps those the reader may see; the
need-to-know lookups then read only (person or unit, carrier) pairs from the index, never
the table. Django creates the M2M tables itself, so their indexes are plain SQL (the same
statement on SQLite and PostgreSQL)."""

from django.db import migrations, models

THROUGH_INDEXES = [
    ("carriers_carrier_need_to_know_units", "carrier_ntk_unit_idx", "unit_id, carrier_id"),
    ("carriers_carrier_need_to_know_people", "carrier_ntk_person_idx", "user_id, carrier_id"),
]


class Migration(migrations.Migration):
    dependencies = [("carriers", "0004_printing_excerpts_sources")]

    operations = [
        migrations.AddIndex(
            model_name="carrier",
            index=models.Index(fields=["-registered_on", "-id", "level"], name="carrier_order_idx"),
        ),
        *[
            migrations.RunSQL(f"CREATE INDEX {name} ON {table} ({columns})", f"DROP INDEX {name}")
            for table, name, columns in THROUGH_INDEXES
        ],
    ]
