"""The client's supplier portfolio: suppliers, corrective actions, findings per category, CSV."""
from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_login import login_required

from app.models.partners import RISK_RATINGS
from app.models.types import utcnow
from app.services.audits import portfolio
from app.web.session import actor

bp = Blueprint("portfolio", __name__)


@bp.get("/portfolio")
@login_required
def index():
    """A client's suppliers with the filters in the URL; staff first choose the client."""
    filters, errors = portfolio.parse_filters(request.args.to_dict())
    if actor().role != "applicant" and filters.client_id is None:
        return render_template("portfolio/clients.html", clients=portfolio.clients(actor()))
    page = portfolio.portfolio_page(actor(), filters)
    return render_template("portfolio/index.html", page=page, filters=filters, errors=errors,
                           risks=RISK_RATINGS, sorts=portfolio.SORTS)


@bp.get("/portfolio.csv")
@login_required
def export():
    """The same rows as CSV (UTF-8 with a byte-order mark, so spreadsheets read accents)."""
    filters, _errors = portfolio.parse_filters(request.args.to_dict())
    text = portfolio.portfolio_csv(actor(), filters)
    name = f"supplier-portfolio-{utcnow():%Y-%m-%d}.csv"
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.app_template_filter("country_name")
def country_name(code: str | None) -> str:
    """An ISO country code as its name in the reader's language ("MX" -> "Mexico")."""
    if not code:
        return ""
    return get_locale().territories.get(code.upper(), code.upper())
