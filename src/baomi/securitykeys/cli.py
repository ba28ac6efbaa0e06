"""`baomi security-keys`: list a person's security keys, or remove a lost one, at the server's
shell (registered by baomi.cli.build_parser). The work is in baomi.securitykeys.services."""

from __future__ import annotations

import argparse
import sys


def cmd_security_keys(args: argparse.Namespace) -> int:
    from baomi.cli import _setup

    _setup()
    from baomi.errors import BaomiError
    from baomi.securitykeys import services
    from baomi.securitykeys.models import SecurityKey

    if args.keys_command == "list":
        keys = SecurityKey.objects.filter(user__username=args.username).order_by("pk")
        for key in keys:
            used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "—"
            created = key.created_at.strftime("%Y-%m-%d %H:%M") if key.created_at else "—"
            print(f"{key.pk}\t{key.name}\t注册 {created}\t最近使用 {used}\t计数 {key.sign_count}")
        if not keys:
            print(f"{args.username} 没有安全密钥", file=sys.stderr)
        return 0
    if args.key is None and not args.all:
        print("须指定 --key 编号 或 --all", file=sys.stderr)
        return 2
    try:
        ids = services.keys_revoke_at_server(username=args.username, reason=args.reason, key_id=args.key)
    except BaomiError as exc:
        print(f"拒绝: {exc.message}", file=sys.stderr)
        return 2
    print(f"已删除 {args.username} 的安全密钥: {', '.join(map(str, ids))}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser("security-keys", help="安全密钥: list 列出某人的密钥、remove 删除丢失的密钥（记入审计）",
                       description="Security keys (WebAuthn). See docs/security-keys.md.")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    listing = keys_sub.add_parser("list", help="列出某人的安全密钥")
    listing.add_argument("username")
    remove = keys_sub.add_parser("remove", help="删除某人的一把（--key）或全部（--all）安全密钥")
    remove.add_argument("username")
    which = remove.add_mutually_exclusive_group()
    which.add_argument("--key", type=int, help="密钥编号（见 list）")
    which.add_argument("--all", action="store_true", help="全部密钥")
    remove.add_argument("--reason", required=True, help="原因（记入审计日志），如：密钥丢失")
    p.set_defaults(func=cmd_security_keys)
    return p
