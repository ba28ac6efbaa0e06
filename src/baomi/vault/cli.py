"""`baomi keys`: the vault's master keys (status, rotate, rewrap, retire), built here and
registered by baomi.cli.build_parser. The work is in baomi.vault.keys."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_keys(args: argparse.Namespace) -> int:
    from baomi.cli import _setup

    _setup()
    from baomi.errors import BaomiError
    from baomi.vault import keys

    try:
        if args.keys_command == "status":
            rows = keys.key_status()
            print(f"{'主密钥标识':<18}{'对象数':>8}  状态")
            for row in rows:
                state = "当前" if row.current else ("可解封" if row.installed else "缺失！")
                print(f"{row.key_id:<18}{row.objects:>8}  {state}")
            return 1 if any(r.objects and not r.installed for r in rows) else 0
        if args.keys_command == "rotate":
            rotation = keys.key_rotate(output=Path(args.output) if args.output else None)
            print(f"已轮换主密钥: {rotation.old_key_id} → {rotation.new_key_id}（旧主密钥保留在密钥目录中）")
            if args.output:
                print(f"新主密钥已写入 {rotation.new_key_file}：将其内容设为所有进程的 BAOMI_MASTER_KEY 并重启，"
                      "然后执行 baomi keys rewrap")
            else:
                print("新上传的内容即用新主密钥；下一步: baomi keys rewrap")
            return 0
        if args.keys_command == "rewrap":
            def progress(done: keys.Rewrap) -> None:
                if not args.quiet:
                    print(f"第 {done.batches} 批: 累计重新封装 {done.rewrapped} 个", flush=True)

            result = keys.key_rewrap(batch=args.batch, after_batch=progress)
            print(f"完成: {result.rewrapped} 个数据密钥已由主密钥 {result.key_id} 封装（{result.batches} 批）")
            if result.failed:
                print(f"{len(result.failed)} 个无法解封（其主密钥不在密钥目录中或已损坏），内容编号: "
                      + ", ".join(map(str, result.failed[:50])), file=sys.stderr)
                return 1
            return 0
        path = keys.key_retire(key_id=args.key_id)
        print(f"已停用主密钥 {args.key_id}（已删除 {path}）")
        return 0
    except BaomiError as exc:
        print(f"拒绝: {exc.message}", file=sys.stderr)
        return 2


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser("keys", help="电子内容主密钥: status 统计、rotate 轮换、rewrap 重新封装、retire 停用旧密钥",
                       description="Vault master keys. See docs/operations.md, 'Key rotation'.")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("status", help="每个主密钥封装的对象数（有对象的密钥缺失时退出码 1）")
    rotate = keys_sub.add_parser("rotate", help="生成新的当前主密钥，旧主密钥移入密钥目录继续用于解封")
    rotate.add_argument("--output", metavar="FILE",
                        help="主密钥由 BAOMI_MASTER_KEY 提供时：新主密钥写入此文件（0600，不覆盖已有文件）")
    rewrap = keys_sub.add_parser("rewrap", help="以当前主密钥重新封装所有数据密钥（分批事务，可中断后重跑）")
    rewrap.add_argument("--batch", type=int, default=100, help="每个事务处理的对象数（默认 100）")
    rewrap.add_argument("--quiet", action="store_true", help="不逐批打印进度")
    retire = keys_sub.add_parser("retire", help="删除旧主密钥（仍有对象使用时拒绝）")
    retire.add_argument("key_id", metavar="KEY_ID")
    p.set_defaults(func=cmd_keys)
    return p
