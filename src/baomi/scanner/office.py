"""Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp), read from their XML.

Read directly with zipfile and a hardened lxml parser rather than python-docx & co.,
because those libraries skip exactly the places marks hide: text boxes, footnotes,
comments, tracked deletions, sheet headers, slide masters. Every XML part goes through
Job.open_zip_part, so a document crafted as a zip bomb hits the same limits as an archive.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from typing import Any

from baomi.scanner.base import Job, iterparse, parse_xml

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
DC = "{http://purl.org/dc/elements/1.1/}"
CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"


def zip_kind(zf: zipfile.ZipFile) -> str:
    """docx/xlsx/pptx/odt/ods/odp for documents, zip for anything else."""
    names = set(zf.namelist())
    if "[Content_Types].xml" in names:
        main = _main_part(zf, names)
        if main.startswith("word/"):
            return "docx"
        if main.startswith("xl/"):
            return "xlsx"
        if main.startswith("ppt/"):
            return "pptx"
    if "mimetype" in names and "content.xml" in names:
        info = zf.getinfo("mimetype")
        if info.file_size < 200:
            mime = zf.read("mimetype").decode("ascii", "replace").strip()
            for suffix, kind in (("text", "odt"), ("spreadsheet", "ods"), ("presentation", "odp")):
                if mime.startswith(f"application/vnd.oasis.opendocument.{suffix}"):
                    return kind
    return "zip"


def _main_part(zf: zipfile.ZipFile, names: set[str]) -> str:
    for rel in _rels(zf, "_rels/.rels", names).values():
        if rel[0].endswith("/officeDocument"):
            return rel[1]
    for guess in ("word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"):
        if guess in names:
            return guess
    return ""


def _rels(zf: zipfile.ZipFile, rels_name: str, names: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target path inside the package)."""
    if rels_name not in (names if names is not None else set(zf.namelist())):
        return {}
    base = posixpath.dirname(posixpath.dirname(rels_name))
    out: dict[str, tuple[str, str]] = {}
    with zf.open(rels_name) as f:
        root = parse_xml(f)
    for rel in root.iter(f"{PKG_REL}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return out


def _rels_of(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _natural(name: str) -> tuple[str, int]:
    m = re.search(r"(\d+)\.xml$", name)
    return (name[: m.start()] if m else name, int(m.group(1)) if m else 0)


def _core_properties(zf: zipfile.ZipFile, job: Job, names: set[str]) -> None:
    if "docProps/core.xml" not in names:
        return
    with job.open_zip_part(zf, "docProps/core.xml") as f:
        root = parse_xml(f)
    values = [el.text.strip() for tag in (f"{DC}title", f"{DC}subject", f"{CP}keywords", f"{DC}description")
              for el in root.iter(tag) if el.text and el.text.strip()]
    if values:
        job.part("\n".join(values), "properties", strong=True)


# --- docx ----------------------------------------------------------------------------------


def _wordml(f: Any) -> tuple[str, str]:
    """Text of a WordprocessingML part: (main text, text-box text).

    Text boxes come twice in modern files (DrawingML and a VML fallback); the fallback is
    skipped. Tracked deletions (w:delText) are read: they are still in the file.
    """
    main: list[str] = []
    boxes: list[str] = []
    box_depth = 0
    fallback = 0
    for event, el in iterparse(f, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag == f"{W}txbxContent":
                box_depth += 1
            elif tag == MC_FALLBACK:
                fallback += 1
            continue
        if tag == MC_FALLBACK:
            fallback -= 1
            el.clear()
            continue
        if tag == f"{W}txbxContent":
            box_depth -= 1
            continue
        if fallback:
            continue
        out = boxes if box_depth else main
        if tag in (f"{W}t", f"{W}delText"):
            if el.text:
                out.append(el.text)
        elif tag == f"{W}tab":
            out.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
        elif tag == f"{W}p":
            out.append("\n")
            if not box_depth:
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
    return "".join(main), "".join(boxes)


def docx(zf: zipfile.ZipFile, job: Job) -> None:
    names = set(zf.namelist())
    main = _main_part(zf, names) or "word/document.xml"
    rels = _rels(zf, _rels_of(main), names)
    targets: dict[str, list[str]] = {}
    for rel_type, target in rels.values():
        kind = rel_type.rsplit("/", 1)[-1]
        if target in names:
            targets.setdefault(kind, []).append(target)
    with job.open_zip_part(zf, main) as f:
        body, boxes = _wordml(f)
    job.part(body, "body")
    job.part(boxes, "textbox", strong=True)
    for kind, strong in (("header", True), ("footer", True), ("footnotes", False), ("endnotes", False),
                         ("comments", False)):
        for target in sorted(targets.get(kind, []), key=_natural):
            with job.open_zip_part(zf, target) as f:
                text, more = _wordml(f)
            job.part(text + more, kind, strong=strong)
    _core_properties(zf, job, names)


# --- xlsx ----------------------------------------------------------------------------------

_HF_CODES = re.compile(r'&(?:"[^"]*"|\d+|K[0-9A-Fa-f]{6}|[LCR])')
_HF_FIELDS = re.compile(r"&[PNDTFAZGBIUESXYK]")


def _si_text(el: Any) -> str:
    """A shared or inline string: its runs, without phonetic guides (rPh)."""
    return "".join(t.text or "" for t in el.iter(f"{S}t") if t.getparent().tag != f"{S}rPh")


def xlsx(zf: zipfile.ZipFile, job: Job) -> None:
    names = set(zf.namelist())
    book = _main_part(zf, names) or "xl/workbook.xml"
    rels = _rels(zf, _rels_of(book), names)
    shared: list[str] = []
    for rel_type, target in rels.values():
        if rel_type.endswith("/sharedStrings") and target in names:
            with job.open_zip_part(zf, target) as f:
                for _, el in iterparse(f, tag=f"{S}si"):
                    shared.append(_si_text(el))
                    el.clear()
    with job.open_zip_part(zf, book) as f:
        root = parse_xml(f)
    sheets = [(el.get("name", ""), el.get(f"{R}id", "")) for el in root.iter(f"{S}sheet")]
    if sheets:
        job.part("\n".join(name for name, _ in sheets), "sheet names", strong=True,
                 cells=_offsets([name for name, _ in sheets], "sheet"))
    for name, rid in sheets:
        target = rels.get(rid, ("", ""))[1]
        if target not in names:
            continue
        texts: list[str] = []
        refs: list[str] = []
        headers: list[str] = []
        with job.open_zip_part(zf, target) as f:
            for _, el in iterparse(f, tag=(f"{S}c", f"{S}headerFooter")):
                if el.tag == f"{S}headerFooter":
                    for hf in el:
                        if hf.text:
                            headers.append(_HF_FIELDS.sub("", _HF_CODES.sub("\n", hf.text)).replace("&&", "&"))
                    continue
                value = _cell_text(el, shared)
                if value:
                    texts.append(value)
                    refs.append(el.get("r", ""))
                el.clear()
        where = {"sheet": name}
        job.part("\n".join(texts), "cells", where=where, cells=_offsets(texts, "cell", refs))
        job.part("\n".join(headers), "header", strong=True, where=where)
        for rel_type, comments in _rels(zf, _rels_of(target), names).values():
            if rel_type.endswith("/comments") and comments in names:
                with job.open_zip_part(zf, comments) as f:
                    root = parse_xml(f)
                notes = [(c.get("ref", ""), "".join(c.itertext())) for c in root.iter(f"{S}comment")]
                job.part("\n".join(t for _, t in notes), "comments", where=where,
                         cells=_offsets([t for _, t in notes], "cell", [r for r, _ in notes]))
    _core_properties(zf, job, names)


def _cell_text(el: Any, shared: list[str]) -> str:
    kind = el.get("t")
    if kind == "inlineStr":
        inline = el.find(f"{S}is")
        return _si_text(inline) if inline is not None else ""
    v = el.find(f"{S}v")
    if v is None or v.text is None:
        return ""
    if kind == "s":
        try:
            return shared[int(v.text)]
        except (ValueError, IndexError):
            return ""
    return str(v.text)


def _offsets(texts: list[str], key: str, labels: list[str] | None = None) -> list[tuple[int, str]]:
    """Where each cell starts (in UTF-8 bytes) in the text joined by newlines, for locating a finding."""
    out: list[tuple[int, str]] = []
    pos = 0
    for i, t in enumerate(texts):
        out.append((pos, labels[i] if labels is not None else t))
        pos += len(t.encode("utf-8", "surrogatepass")) + 1
    return [(pos, f"{key}={label}") for pos, label in out]


# --- pptx ----------------------------------------------------------------------------------


def _drawingml(f: Any) -> str:
    out: list[str] = []
    for _, el in iterparse(f):
        tag = el.tag
        if tag == f"{A}t":
            if el.text:
                out.append(el.text)
        elif tag == f"{A}br":
            out.append("\n")
        elif tag == f"{A}p":
            out.append("\n")
            el.clear()
    return "".join(out)


def pptx(zf: zipfile.ZipFile, job: Job) -> None:
    names = set(zf.namelist())
    pres = _main_part(zf, names) or "ppt/presentation.xml"
    rels = _rels(zf, _rels_of(pres), names)
    with job.open_zip_part(zf, pres) as f:
        root = parse_xml(f)
    slides = [rels.get(el.get(f"{R}id", ""), ("", ""))[1] for el in root.iter(f"{P}sldId")]
    for number, slide in enumerate(slides, 1):
        if slide not in names:
            continue
        where = {"slide": number}
        with job.open_zip_part(zf, slide) as f:
            job.part(_drawingml(f), "slide", where=where)
        for rel_type, target in _rels(zf, _rels_of(slide), names).values():
            if rel_type.endswith("/notesSlide") and target in names:
                with job.open_zip_part(zf, target) as f:
                    job.part(_drawingml(f), "notes", where=where)
    for master in sorted((n for n in names if re.fullmatch(r"ppt/slideMasters/slideMaster\d+\.xml", n)), key=_natural):
        with job.open_zip_part(zf, master) as f:
            job.part(_drawingml(f), "master", strong=True)
    _core_properties(zf, job, names)


# --- OpenDocument --------------------------------------------------------------------------

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
PRES = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"


def _odf_text(el: Any, out: list[str], skip: tuple[str, ...] = ()) -> None:
    tag = el.tag
    if tag in skip:
        return
    if tag == f"{TEXT}s":
        out.append(" " * min(int(el.get(f"{TEXT}c", "1") or 1), 1000))
    elif tag == f"{TEXT}tab":
        out.append("\t")
    elif tag == f"{TEXT}line-break":
        out.append("\n")
    if el.text:
        out.append(el.text)
    for child in el:
        _odf_text(child, out, skip)
        if child.tail:
            out.append(child.tail)
    if tag in (f"{TEXT}p", f"{TEXT}h"):
        out.append("\n")


def _odf_string(el: Any, skip: tuple[str, ...] = ()) -> str:
    out: list[str] = []
    _odf_text(el, out, skip)
    return "".join(out)


def odf(zf: zipfile.ZipFile, job: Job) -> None:
    with job.open_zip_part(zf, "content.xml") as f:
        root = parse_xml(f)
    body = root.find(f"{OFFICE}body")
    if body is not None:
        for doc in body:
            if doc.tag == f"{OFFICE}spreadsheet":
                tables = list(doc.iter(f"{TABLE}table"))
                job.part("\n".join(t.get(f"{TABLE}name", "") for t in tables), "sheet names", strong=True)
                for t in tables:
                    job.part(_odf_string(t), "cells", where={"sheet": t.get(f"{TABLE}name", "")})
            elif doc.tag == f"{OFFICE}presentation":
                for number, page in enumerate(doc.iter(f"{DRAW}page"), 1):
                    job.part(_odf_string(page, skip=(f"{PRES}notes",)), "slide", where={"slide": number})
                    for notes in page.iter(f"{PRES}notes"):
                        job.part(_odf_string(notes), "notes", where={"slide": number})
            else:
                job.part(_odf_string(doc), "body")
    if "styles.xml" in zf.namelist():
        with job.open_zip_part(zf, "styles.xml") as f:
            styles = parse_xml(f)
        for kind in ("header", "footer"):
            texts = [_odf_string(el) for el in styles.iter(f"{STYLE}{kind}", f"{STYLE}{kind}-left")]
            job.part("".join(texts), kind, strong=True)
    if "meta.xml" in zf.namelist():
        with job.open_zip_part(zf, "meta.xml") as f:
            meta = parse_xml(f)
        values = [el.text for tag in (f"{DC}title", f"{DC}subject") for el in meta.iter(tag) if el.text]
        job.part("\n".join(values), "properties", strong=True)
