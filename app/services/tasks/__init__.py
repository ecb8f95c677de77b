"""People's work: inboxes (one query builder for the API and the pages), claiming, assigning and
completing tasks, drafts, comments, documents, the case page and the dashboard figures."""
