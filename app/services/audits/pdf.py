"""The approved audit report and the completion letter as PDF, in English or Spanish.

Rendered with fpdf2 rather than WeasyPrint: fpdf2 is pure Python and needs no system libraries
(WeasyPrint needs pango and cairo), so `make run` and `make test` install it with pip alone.
Text is set in DejaVu Sans when Debian's fonts-dejavu-core is installed (any Unicode text);
without it, in the PDF core font Helvetica, with characters outside latin-1 replaced.
Rendering the same dict twice gives the same bytes (the creation date is the document's own
date), so tests can compare and extract the text.
"""
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import MethodReturnValue, XPos, YPos

#: style -> the Unicode font file used when it exists (bold falls back to the regular file)
FONT_FILES = {
    "": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "B": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}
LANGUAGES = ("en", "es")
#: key -> (English, Spanish)
LABELS = {
    "report_title": ("Security audit report", "Informe de auditoría de seguridad"),
    "letter_title": ("Audit completion letter", "Carta de cierre de auditoría"),
    "client": ("Client", "Cliente"),
    "supplier": ("Supplier", "Proveedor"),
    "site": ("Site", "Instalación"),
    "audit_date": ("Audit date", "Fecha de auditoría"),
    "auditor": ("Auditor", "Auditor"),
    "reviewer": ("Reviewer", "Revisor"),
    "reference": ("Reference", "Referencia"),
    "approved_at": ("Approved", "Aprobado"),
    "overall_score": ("Overall score", "Puntuación global"),
    "risk_rating": ("Risk rating", "Nivel de riesgo"),
    "scores": ("Score per criteria category", "Puntuación por categoría de criterios"),
    "category": ("Category", "Categoría"),
    "compliant": ("Compliant", "Cumple"),
    "non_compliant": ("Non-compliant", "No cumple"),
    "not_applicable": ("N/A", "N/A"),
    "observation": ("Observation", "Observación"),
    "score": ("Score", "Puntuación"),
    "findings": ("Findings", "Hallazgos"),
    "no": ("No.", "N.º"),
    "criterion": ("Criterion", "Criterio"),
    "severity": ("Severity", "Severidad"),
    "requirement": ("Requirement", "Requisito"),
    "notes": ("Auditor notes", "Notas del auditor"),
    "observations": ("Observations", "Observaciones"),
    "summary": ("Summary", "Resumen"),
    "no_findings": ("No findings.", "Sin hallazgos."),
    "none": ("None.", "Ninguna."),
    "page": ("Page {page} of {pages}", "Página {page} de {pages}"),
    "decimal_mark": (".", ","),
    "percent": ("{}%", "{} %"),
    "critical": ("Critical", "Crítico"),
    "major": ("Major", "Mayor"),
    "minor": ("Minor", "Menor"),
    "low": ("Low", "Bajo"),
    "medium": ("Medium", "Medio"),
    "high": ("High", "Alto"),
    "date": ("Date", "Fecha"),
    "closed_at": ("Audit closed", "Auditoría cerrada"),
    "actions": ("Corrective actions", "Acciones correctivas"),
    "action": ("Corrective action", "Acción correctiva"),
    "closed_on": ("Closed on", "Cerrada el"),
    "next_audit_due": ("Next audit due", "Próxima auditoría prevista"),
    "signed_by": ("Signed by", "Firmado por"),
    "letter_body": (
        "The security audit of {supplier}, carried out on {audit_date} on behalf of {client}, "
        "called for the corrective actions listed below. Each of them has been verified and "
        "is closed, and the audit was closed on {closed_at}.",
        "La auditoría de seguridad de {supplier}, realizada el {audit_date} por cuenta de "
        "{client}, requirió las acciones correctivas que se indican a continuación. Todas han "
        "sido verificadas y están cerradas, y la auditoría se cerró el {closed_at}."),
    "no_actions": ("The audit called for no corrective actions.",
                   "La auditoría no requirió acciones correctivas."),
}
#: entity type -> (English, Spanish)
ENTITY_TYPES = {
    "importer": ("Importer", "Importador"),
    "exporter": ("Exporter", "Exportador"),
    "customs_broker": ("Customs broker", "Agente aduanal"),
    "consolidator": ("Consolidator", "Consolidador"),
    "third_party_logistics": ("Third-party logistics provider", "Operador logístico"),
    "air_carrier": ("Air carrier", "Transportista aéreo"),
    "sea_carrier": ("Sea carrier", "Transportista marítimo"),
    "rail_carrier": ("Rail carrier", "Transportista ferroviario"),
    "highway_carrier_us_canada": ("Highway carrier (US-Canada)",
                                  "Autotransportista (EE. UU.-Canadá)"),
    "highway_carrier_us_mexico": ("Highway carrier (US-Mexico)",
                                  "Autotransportista (EE. UU.-México)"),
    "mexican_long_haul_carrier": ("Mexican long-haul carrier",
                                  "Autotransportista mexicano de largo recorrido"),
    "marine_port_terminal_operator": ("Marine port terminal operator",
                                      "Operador de terminal portuaria"),
    "foreign_manufacturer": ("Foreign manufacturer", "Fabricante extranjero"),
}
#: stand-ins for common characters outside latin-1 when only the core font is available
_SUBSTITUTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                              "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u2022": "*",
                              "\u20ac": "EUR", "\u2264": "<=", "\u2265": ">=", "\u0141": "L",
                              "\u0142": "l", "\u0152": "OE", "\u0153": "oe"})
#: a table row is split so that no cell of one part wraps to more lines than this
_MAX_CELL_LINES = 50
_LINE = 4.2


class _Pdf(FPDF):
    """An A4 page set in DejaVu Sans (or Helvetica) with a "Page 1 of N" footer."""

    def __init__(self, words: dict[str, str], reference: str):
        super().__init__(format="A4")
        self.words, self.reference = words, reference
        self.text_font = self._load_fonts()
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)

    def _load_fonts(self) -> str:
        regular, bold = FONT_FILES[""], FONT_FILES["B"]
        if not regular.is_file():
            return "helvetica"
        self.add_font("DejaVu", "", str(regular))
        self.add_font("DejaVu", "B", str(bold if bold.is_file() else regular))
        return "DejaVu"

    def use(self, size: float, bold: bool = False) -> None:
        """Set the text font size (and weight)."""
        self.set_font(self.text_font, "B" if bold else "", size)

    def clean(self, value: Any) -> str:
        """Text this font can set: any Unicode with DejaVu; latin-1 with Helvetica."""
        text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
        if self.text_font == "DejaVu" or text.isascii():
            return text
        return "".join(_latin1(char) for char in text.translate(_SUBSTITUTES))

    def footer(self) -> None:
        self.set_y(-13)
        self.use(8)
        self.cell(self.epw / 2, 6, self.clean(self.reference))
        page = self.words["page"].format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(self.epw / 2, 6, self.clean(page), align="R")


def _latin1(char: str) -> str:
    if ord(char) < 256:
        return char
    base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
    return base or "?"


def render_audit_report(report: dict) -> bytes:
    """The approved audit report: header, overall score and risk, scores per category,
    findings, observations and summary (see the module docstring for fonts)."""
    words = _words(report.get("language"))
    pdf = _start(words, "report_title", report, report.get("approved_at"))
    _facts(pdf, _report_facts(report, words))
    _overall(pdf, report, words)
    _heading(pdf, words["scores"])
    _table(pdf, [(words["category"], 64), (words["compliant"], 22),
                 (words["non_compliant"], 26), (words["not_applicable"], 16),
                 (words["observation"], 26), (words["score"], 26)],
           [(_category(row), row.get("compliant", 0), row.get("non_compliant", 0),
             row.get("not_applicable", 0), row.get("observation", 0),
             _percent(row.get("score"), words)) for row in report.get("scores") or ()])
    _heading(pdf, words["findings"])
    findings = report.get("findings") or ()
    if not findings:
        _paragraph(pdf, words["no_findings"])
    _table(pdf, [(words["no"], 10), (words["criterion"], 18), (words["category"], 28),
                 (words["severity"], 20), (words["requirement"], 52), (words["notes"], 52)],
           [(row.get("no"), row.get("criterion_id"), row.get("category_name"),
             _term(words, row.get("severity")), row.get("text"), row.get("notes"))
            for row in findings])
    _heading(pdf, words["observations"])
    observations = report.get("observations") or ()
    if not observations:
        _paragraph(pdf, words["none"])
    _table(pdf, [(words["criterion"], 24), (words["notes"], 156)],
           [(row.get("criterion_id"), row.get("notes")) for row in observations])
    _heading(pdf, words["summary"])
    _paragraph(pdf, report.get("summary") or words["none"])
    return bytes(pdf.output())


def render_completion_letter(letter: dict) -> bytes:
    """The letter telling the client that the audit's corrective actions are verified and
    closed: the actions, the next audit's due date and who signed it."""
    words = _words(letter.get("language"))
    pdf = _start(words, "letter_title", letter, letter.get("closed_at"))
    supplier = letter.get("supplier") or {}
    _facts(pdf, [(words["date"], _when(letter.get("closed_at"), False)),
                 (words["client"], (letter.get("client") or {}).get("legal_name")),
                 (words["supplier"], _supplier(supplier, words)),
                 (words["site"], supplier.get("address")),
                 (words["audit_date"], _when(letter.get("audit_date"))),
                 (words["reference"], letter.get("reference"))])
    pdf.ln(4)
    actions = letter.get("actions") or ()
    _paragraph(pdf, words["letter_body"].format(
        supplier=supplier.get("legal_name") or "-", audit_date=_when(letter.get("audit_date")),
        client=(letter.get("client") or {}).get("legal_name") or "-",
        closed_at=_when(letter.get("closed_at"), False)) if actions else words["no_actions"])
    if actions:
        _heading(pdf, words["actions"])
        _table(pdf, [(words["no"], 10), (words["criterion"], 20), (words["action"], 120),
                     (words["closed_on"], 30)],
               [(row.get("no"), row.get("criterion_id"), row.get("action"),
                 _when(row.get("closed_at"), False)) for row in actions])
    pdf.ln(4)
    _facts(pdf, [(words["next_audit_due"], _when(letter.get("next_audit_due")))])
    pdf.ln(10)
    _facts(pdf, [(words["signed_by"], letter.get("signed_by"))])
    return bytes(pdf.output())


def _words(language: str | None) -> dict[str, str]:
    """The labels in one language ("en" when none is given)."""
    language = language or "en"
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}: one of {', '.join(LANGUAGES)}")
    index = LANGUAGES.index(language)
    words = {key: pair[index] for key, pair in LABELS.items()}
    words.update({f"entity:{key}": pair[index] for key, pair in ENTITY_TYPES.items()})
    return words


def _start(words: dict[str, str], title_key: str, source: dict, dated: Any) -> _Pdf:
    """A new document with its metadata and the title on the first page."""
    reference = str(source.get("reference") or "")
    pdf = _Pdf(words, reference)
    title = words[title_key]
    pdf.set_title(f"{title} {reference}".strip())
    pdf.set_lang(source.get("language") or "en")
    pdf.set_creator("SafePort")
    created = _moment(dated)
    if created is not None:
        pdf.set_creation_date(created)
    pdf.add_page()
    pdf.use(16, bold=True)
    pdf.cell(0, 10, pdf.clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    return pdf


def _report_facts(report: dict, words: dict[str, str]) -> list[tuple[str, Any]]:
    supplier = report.get("supplier") or {}
    return [(words["client"], (report.get("client") or {}).get("legal_name")),
            (words["supplier"], _supplier(supplier, words)),
            (words["site"], supplier.get("address")),
            (words["audit_date"], _when(report.get("audit_date"))),
            (words["auditor"], report.get("auditor")),
            (words["reviewer"], report.get("reviewer")),
            (words["approved_at"], _when(report.get("approved_at"))),
            (words["reference"], report.get("reference"))]


def _supplier(supplier: dict, words: dict[str, str]) -> str:
    """"Name (entity type, country)"."""
    kind = supplier.get("entity_type")
    details = [words.get(f"entity:{kind}", str(kind).replace("_", " ")) if kind else None,
               supplier.get("country")]
    extra = ", ".join(str(part) for part in details if part)
    name = supplier.get("legal_name") or "-"
    return f"{name} ({extra})" if extra else name


def _overall(pdf: _Pdf, report: dict, words: dict[str, str]) -> None:
    """The overall score and the risk rating, boxed side by side."""
    pdf.ln(3)
    pdf.use(11, bold=True)
    pdf.set_fill_color(235, 235, 235)
    score = f"{words['overall_score']}: {_percent(report.get('overall_score'), words)}"
    risk = f"{words['risk_rating']}: {_term(words, report.get('risk_rating'))}"
    pdf.cell(pdf.epw / 2, 9, pdf.clean(score), border=1, fill=True)
    pdf.cell(pdf.epw / 2, 9, pdf.clean(risk), border=1, fill=True,
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: _Pdf, text: str) -> None:
    pdf.ln(4)
    pdf.use(12, bold=True)
    pdf.cell(0, 8, pdf.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _paragraph(pdf: _Pdf, text: str) -> None:
    pdf.use(9)
    pdf.multi_cell(0, 5, pdf.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _facts(pdf: _Pdf, facts: Sequence[tuple[str, Any]]) -> None:
    """Label and value lines (long values wrap under themselves)."""
    pdf.use(9, bold=True)
    width = max([36.0] + [pdf.get_string_width(pdf.clean(label)) + 4 for label, _ in facts])
    for label, value in facts:
        pdf.use(9, bold=True)
        pdf.cell(width, 5.5, pdf.clean(label))
        pdf.use(9)
        pdf.multi_cell(0, 5.5, pdf.clean("-" if value in (None, "") else value), align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: _Pdf, columns: Sequence[tuple[str, float]], rows: Iterable[Sequence[Any]]):
    """A bordered table, headings repeated on every page; long cells wrap, and a row too
    tall for one page goes on in continuation rows."""
    rows = list(rows)
    if not rows:
        return
    pdf.use(8)
    pdf.set_fill_color(255)  # body cells are unfilled: the table takes the current colour
    widths = [width for _, width in columns]
    style = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", text_align="LEFT",
                   v_align="TOP", line_height=_LINE, headings_style=style, repeat_headings=1,
                   padding=(0.8, 0)) as table:
        table.row([pdf.clean(heading) for heading, _ in columns])
        for values in rows:
            for part in _split_row(pdf, widths, [pdf.clean(value) for value in values]):
                table.row(part)


def _split_row(pdf: _Pdf, widths: Sequence[float], cells: list[str]) -> list[list[str]]:
    """The row as one or more rows, none with a cell over _MAX_CELL_LINES lines."""
    pieces = [_chunks(pdf, text, width) for text, width in zip(cells, widths, strict=True)]
    count = max(len(piece) for piece in pieces)
    return [[piece[i] if i < len(piece) else "" for piece in pieces] for i in range(count)]


def _chunks(pdf: _Pdf, text: str, width: float) -> list[str]:
    if len(text) < 200 and text.count("\n") < _MAX_CELL_LINES:
        return [text]
    lines = pdf.multi_cell(width, _LINE, text, dry_run=True, output=MethodReturnValue.LINES)
    if len(lines) <= _MAX_CELL_LINES:
        return [text]
    return ["\n".join(lines[i:i + _MAX_CELL_LINES])
            for i in range(0, len(lines), _MAX_CELL_LINES)]


def _category(row: dict) -> str:
    number, name = row.get("category"), row.get("category_name")
    return " ".join(str(part) for part in (number, name) if part not in (None, ""))


def _term(words: dict[str, str], value: Any) -> str:
    """A severity or risk rating in the document's language (unknown values as given)."""
    if value in (None, ""):
        return "-"
    return words.get(str(value), str(value))


def _percent(value: Any, words: dict[str, str]) -> str:
    """87.5 -> "87.5%" ("87,5 %" in Spanish); "-" when there is no score."""
    if value is None:
        return "-"
    return words["percent"].format(f"{float(value):.1f}".replace(".", words["decimal_mark"]))


def _moment(value: Any) -> datetime | None:
    """A date or ISO date-time as an aware datetime (UTC when it has no zone), else None."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _when(value: Any, with_time: bool = True) -> str:
    """A date as YYYY-MM-DD; a date-time as YYYY-MM-DD HH:MM UTC (or only its UTC date);
    anything else as given."""
    if value in (None, ""):
        return "-"
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, datetime) and "T" not in str(value) and " " not in str(value):
        return str(value)
    moment = _moment(value)
    if moment is None:
        return str(value)
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC" if with_time else moment.date().isoformat()
