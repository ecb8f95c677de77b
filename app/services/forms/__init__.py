"""Forms (form-js): the definition analysed once (`definition`, `conditions`), described to
clients as JSON Schema (`schema`) and enforced on submission (`validation`) from that one source."""
