"""Running Baomi in production: health and readiness, Prometheus metrics, structured logs,
and the `baomi serve` process layout (docs/operations.md, "Deployment", "Monitoring", "Logs").

Not a Django app: it has no models. Nothing here reads classified content; metrics are counts.
"""
