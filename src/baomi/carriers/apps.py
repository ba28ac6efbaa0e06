from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    name = "baomi.carriers"
    label = "carriers"
    verbose_name = _("涉密载体")

    def ready(self) -> None:
        # The approval types this module needs; their effects live in services.py.
        from baomi.carriers import services

        services.register_request_types()
        _level_routes()
        # 我的待办: copies to return or sign for, waste pages to destroy, the annual clean-up.
        from baomi.carriers import todo

        todo.register()


def _level_routes() -> None:
    """Level-dependent default routes ("defaults follow the strictest section"; the security
    administrator overrides them with routing rules):
    借阅 绝密 → the 办公室领导, the leadership at the top of the unit tree (CARRIER-11);
    复制 秘密 and above → the organisation-wide leadership (CARRIER-13: the model records the
    registering unit, not the original classifying unit, so 绝密 too goes to the leadership
    above every unit); below 秘密 → the requester's unit leader."""
    import dataclasses

    from baomi.approvals import registry
    from baomi.carriers import services
    from baomi.levels import Level

    routes = {
        services.LEND: {None: (("approver", "requester_unit"),), int(Level.TOP_SECRET): (("approver", "top_unit"),)},
        services.REPRODUCE: {None: (("approver", "requester_unit"),), int(Level.CONFIDENTIAL): (("approver", "org"),)},
    }
    for code, route in routes.items():
        registry.register(dataclasses.replace(registry.get(code), default_route=route))
