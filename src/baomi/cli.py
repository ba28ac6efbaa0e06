"""The `baomi` command: demo, serve, migrate, audit, createadmin, tick, scan."""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baomi.settings")
    import django

    django.setup()


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # gunicorn sizing, the proxy, metrics across workers, the scheduler: baomi.ops.serve.
    from baomi.ops.serve import run

    return run(args)


def cmd_tick(args: argparse.Namespace) -> int:
    _setup()
    from baomi import jobs

    for line in jobs.tick():
        print(line)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    cmd_migrate(argparse.Namespace(verbosity=0))
    from baomi import demo

    created = demo.load_once()
    demo.print_accounts(fresh=created)
    if args.no_serve:
        return 0
    return cmd_serve(args)


def cmd_audit(args: argparse.Namespace) -> int:
    _setup()
    if args.audit_command == "verify":
        from pathlib import Path

        from baomi.audit.verify import verify

        report = verify(public_key_path=Path(args.public_key) if args.public_key else None)
        if report.ok:
            print(f"OK: {report.events} 条审计事件，{report.checkpoints_checked} 个签名检查点，审计链完整")
            return 0
        print(f"FAILED: 第一个异常事件 #{report.first_bad_seq}", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    from baomi.audit.services import checkpoint_now

    checkpoint = checkpoint_now()
    if checkpoint is None:
        print("审计日志为空，未生成检查点")
    else:
        print(f"检查点: tree_size={checkpoint.tree_size} root={checkpoint.root_hash}")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup()
    from baomi.accounts.models import AdminRole
    from baomi.accounts.services import admin_bootstrap
    from baomi.errors import BaomiError

    password = args.password or os.environ.get("BAOMI_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("初始密码（首次登录须修改）: ")
    try:
        person = admin_bootstrap(role=AdminRole(args.role), username=args.username, full_name=args.name,
                                 password=password)
    except BaomiError as exc:
        print(f"拒绝: {exc.message}", file=sys.stderr)
        return 2
    print(f"已设置 {person.username} 为 {person.get_admin_role_display()}；首次登录须修改密码并绑定动态口令")
    return 0


def cmd_otp_code(args: argparse.Namespace) -> int:
    _setup()
    from baomi import demo

    code = demo.current_otp(args.username)
    if code is None:
        print("仅用于演示数据：该安装不是演示安装，或该用户没有动态口令", file=sys.stderr)
        return 2
    print(code)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baomi", description="Baomi 保密管理平台")
    sub = parser.add_subparsers(dest="command", required=True)

    def serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--bind", default=os.environ.get("BAOMI_BIND", "127.0.0.1:8000"))
        p.add_argument("--access-log", action="store_true")
        from baomi.ops.serve import add_options as add_serve_options

        add_serve_options(p)  # --workers, --threads, timeouts, --max-requests, --forwarded-allow-ips

    p = sub.add_parser("demo", help="迁移数据库、载入演示单位（仅一次）、打印演示账户并启动")
    serve_options(p)
    p.add_argument("--no-serve", action="store_true", help="只载入演示数据，不启动服务")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="启动生产服务（gunicorn + whitenoise）")
    serve_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="创建或升级数据库结构")
    p.add_argument("-v", "--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("audit", help="审计日志：verify 校验、checkpoint 生成签名检查点")
    p.add_argument("audit_command", choices=["verify", "checkpoint"])
    p.add_argument("--public-key", help="用于校验检查点签名的公钥文件（默认取数据目录中的公钥）")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("createadmin", help="在服务器上设置三员之一（系统管理员/安全保密管理员/安全审计员）")
    p.add_argument("--role", required=True, choices=["system", "security", "auditor"])
    p.add_argument("--username", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--password", help="初始密码；省略时从 BAOMI_ADMIN_PASSWORD 或终端读取")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("tick", help="执行定时任务（可由 cron 调用，幂等）")
    p.set_defaults(func=cmd_tick)

    from baomi.scanner.cli import add_parser as add_scan_parser

    add_scan_parser(sub)

    from baomi.backup.cli import add_parser as add_backup_parser

    add_backup_parser(sub)

    from baomi.vault.cli import add_parser as add_keys_parser

    add_keys_parser(sub)

    from baomi.securitykeys.cli import add_parser as add_security_keys_parser

    add_security_keys_parser(sub)

    p = sub.add_parser("otp-code", help="演示安装：打印演示管理员当前的动态口令")
    p.add_argument("username")
    p.set_defaults(func=cmd_otp_code)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
