"""What format handlers share: their outcomes, the safe XML parser and the Job protocol.

Handlers live in their own modules (office, documents, mail, archive) and talk to the
engine only through `Job`, so a new format is one function and one line in SNIFFERS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lxml import etree

    from baomi.scanner.limits import Budget, Limits


class Unsupported(Exception):
    """A format we recognise but cannot read here; the message says what would be needed."""


class Skipped(Exception):
    """Deliberately not read (binary of unknown type, not a regular file, over a limit)."""


class ScanTimeout(BaseException):
    """Per-file deadline; a BaseException so that libraries' `except Exception` cannot swallow it."""


class Job(Protocol):
    """The engine side of one file's scan, as handlers see it."""

    limits: Limits
    budget: Budget

    def part(self, text: str, part: str, *, strong: bool = False, where: dict[str, Any] | None = None,
             cells: list[tuple[int, str]] | None = None) -> None:
        """Detect in one piece of extracted text; `cells` maps text offsets to cell names."""

    def stream(self, f: IO[bytes], encoding: str) -> None:
        """Detect in a text file of any size, read in bounded regions."""

    def member(self, name: str, f: IO[bytes], size: int) -> None:
        """Scan a container member (archive entry, attachment) as a file of its own."""

    def open_zip_part(self, zf: Any, name: str) -> IO[bytes]:
        """A bounded reader for one part inside a zip-based document."""

    def member_problem(self, member: str, status: str, message: str) -> None:
        """Record a member that could not be read, without stopping the container."""

    def set_type(self, kind: str) -> None:
        """The file's type as found inside the container (docx rather than zip)."""


def xml_parser() -> etree.XMLParser:
    """No entities, no DTD, no network: billion-laughs and external-entity files stay inert."""
    from lxml import etree  # here, not at the top: a scan of plain text never loads lxml

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def iterparse(f: IO[bytes], events: tuple[str, ...] = ("end",), tag: Any = None) -> Iterator[tuple[str, Any]]:
    """Streaming parse with the same protections as xml_parser()."""
    from lxml import etree

    return etree.iterparse(f, events=events, tag=tag, resolve_entities=False, no_network=True,  # type: ignore[call-overload, no-any-return]
                           load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)


def parse_xml(f: IO[bytes]) -> Any:
    from lxml import etree

    return etree.parse(f, xml_parser()).getroot()
