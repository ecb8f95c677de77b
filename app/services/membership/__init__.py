"""The CTPAT domain: companies, their membership records and profiles as the process changes
them (through script effects), and the Minimum Security Criteria catalogue."""
