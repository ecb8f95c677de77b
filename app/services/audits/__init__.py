"""Partner audits: the on-site checklist the auditor fills in, item by item."""
