"""Builders for the scanner's test corpus: every file is generated, nothing is committed.

Where a real library writes the format (python-docx, openpyxl, python-pptx, reportlab)
it is used, so the files look like what users have; the places those libraries cannot
write (text boxes, footnotes, ODF, deliberately broken files) are written as raw XML.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _paras(lines: list[str]) -> str:
    return "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(t)}</w:t></w:r></w:p>' for t in lines)


def raw_docx(path: Path, body: list[str], *, header: str | None = None, textbox: str | None = None,
             footnote: str | None = None, comment: str | None = None, deleted: str | None = None) -> Path:
    """A minimal but valid WordprocessingML package with the parts python-docx cannot write."""
    rels = []
    extra_parts: dict[str, str] = {}
    overrides = []
    box = ""
    if textbox is not None:
        # Modern Word: DrawingML text box with a VML fallback carrying the same text.
        inner = f"<w:txbxContent>{_paras([textbox])}</w:txbxContent>"
        box = (f'<w:p><w:r><mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="wps"><w:drawing>'
               f'<wps:wsp xmlns:wps="{WPS}"><wps:txbx>{inner}</wps:txbx></wps:wsp></w:drawing></mc:Choice>'
               f'<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>{inner}'
               f"</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")
    if deleted is not None:
        box += f"<w:p><w:del><w:r><w:delText>{escape(deleted)}</w:delText></w:r></w:del></w:p>"
    if header is not None:
        rels.append(("rIdH", "header", "header1.xml"))
        extra_parts["word/header1.xml"] = f'<w:hdr xmlns:w="{W_NS}">{_paras([header])}</w:hdr>'
        overrides.append(("/word/header1.xml", "wordprocessingml.header"))
    if footnote is not None:
        rels.append(("rIdF", "footnotes", "footnotes.xml"))
        extra_parts["word/footnotes.xml"] = (
            f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
            f'</w:r></w:p></w:footnote><w:footnote w:id="1">{_paras([footnote])}</w:footnote></w:footnotes>')
        overrides.append(("/word/footnotes.xml", "wordprocessingml.footnotes"))
    if comment is not None:
        rels.append(("rIdC", "comments", "comments.xml"))
        extra_parts["word/comments.xml"] = (
            f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="0" w:author="a">{_paras([comment])}</w:comment>'
            "</w:comments>")
        overrides.append(("/word/comments.xml", "wordprocessingml.comments"))
    sect = '<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/></w:sectPr>' if header is not None else ""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}" '
                f'xmlns:r="{R_NS}"><w:body>{_paras(body)}{box}{sect}</w:body></w:document>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/>'
             + "".join(f'<Override PartName="{p}" ContentType="application/vnd.openxmlformats-officedocument.{t}+xml"/>'
                       for p, t in overrides) + "</Types>")
    root_rels = (f'<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc_rels = (f'<Relationships xmlns="{REL_NS}">'
                + "".join(f'<Relationship Id="{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                          f'relationships/{t}" Target="{target}"/>' for i, t, target in rels) + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("word/document.xml", document)
        zf.writestr("word/_rels/document.xml.rels", doc_rels)
        for name, xml in extra_parts.items():
            zf.writestr(name, xml)
    return path


def library_docx(path: Path, *, body: list[str], header: str | None = None, table: list[list[str]] | None = None,
                 comment: str | None = None) -> Path:
    """A document as python-docx writes it: body, table, header and a comment."""
    import docx

    document = docx.Document()
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    paragraphs = [document.add_paragraph(t) for t in body]
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    if comment is not None:
        document.add_comment(paragraphs[0].runs[0], text=comment, author="审阅人")
    document.save(str(path))
    return path


def xlsx(path: Path, *, sheet_title: str, cells: dict[str, str], comment: tuple[str, str] | None = None,
         header: str | None = None) -> Path:
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title
    for ref, value in cells.items():
        ws[ref] = value
    if comment is not None:
        ws[comment[0]].comment = Comment(comment[1], "审阅人")
    if header is not None:
        ws.oddHeader.center.text = header
    wb.create_sheet("第二页")["A1"] = "普通内容"
    wb.save(str(path))
    return path


def pptx(path: Path, *, slides: list[tuple[str, str]], notes: dict[int, str]) -> Path:
    from pptx import Presentation

    prs = Presentation()
    for n, (title, body) in enumerate(slides, 1):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if n in notes:
            slide.notes_slide.notes_text_frame.text = notes[n]
    prs.save(str(path))
    return path


def pdf(path: Path, pages: list[list[str]]) -> Path:
    """Chinese text needs a CJK font: reportlab's built-in STSong-Light CID font needs no font file."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            c.drawString(72, 780 - 20 * i, line)
        c.showPage()
    c.save()
    return path


def odt(path: Path, *, body: list[str], header: str | None = None) -> Path:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    style = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    paras = "".join(f"<text:p>{escape(t)}</text:p>" for t in body)
    content = (f'<office:document-content xmlns:office="{office}" xmlns:text="{text}"><office:body><office:text>'
               f"{paras}</office:text></office:body></office:document-content>")
    head = f"<style:header><text:p>{escape(header)}</text:p></style:header>" if header else ""
    styles = (f'<office:document-styles xmlns:office="{office}" xmlns:text="{text}" xmlns:style="{style}">'
              f'<office:master-styles><style:master-page style:name="Standard">{head}</style:master-page>'
              "</office:master-styles></office:document-styles>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
        zf.writestr("styles.xml", styles)
    return path


def eml(path: Path, *, subject: str, body: str, attachment: tuple[str, bytes]) -> Path:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "a@example.cn"
    msg["To"] = "b@example.cn"
    msg.set_content(body)
    msg.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    path.write_bytes(msg.as_bytes())
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()
