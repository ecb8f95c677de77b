"""Business-partner security audits: suppliers, checklists, reports, corrective actions."""
