"""Inboxes: which tasks a user sees, filtered, sorted and counted (`query`, `page`), and what
the inbox does to them (`work`: bulk actions, follow-up dates, the next task).

One query builder (`task_ids`, `order_by`) serves the JSON API's `inbox` and the web's
`inbox_page` alike: the same access rules, the same filters, the same order.
"""
from app.services.tasks.inbox.page import (
    COUNT_CAP,
    DUE_SOON,
    PER_PAGE,
    STAGES_EXTENSION,
    InboxPage,
    InboxRow,
    check_filters,
    colleagues,
    counts,
    inbox,
    inbox_page,
    init_app,
    stages,
)
from app.services.tasks.inbox.query import (
    ASSIGNED,
    DEFAULT_ORDER,
    ORDERS,
    SCOPED_ROLES,
    SORTS,
    Filters,
    order_by,
    parse_filters,
    queues_of,
    task_ids,
)
from app.services.tasks.inbox.work import (
    BULK_ACTIONS,
    BULK_LIMIT,
    BulkResult,
    Refusal,
    bulk,
    next_task_id,
    snooze,
    unsnooze,
)

__all__ = [
    "ASSIGNED", "BULK_ACTIONS", "BULK_LIMIT", "COUNT_CAP", "DEFAULT_ORDER", "DUE_SOON", "ORDERS",
    "PER_PAGE", "SCOPED_ROLES", "SORTS", "STAGES_EXTENSION", "BulkResult", "Filters", "InboxPage",
    "InboxRow", "Refusal", "bulk", "check_filters", "colleagues", "counts", "inbox", "inbox_page",
    "init_app", "next_task_id", "order_by", "parse_filters", "queues_of", "snooze", "stages",
    "task_ids", "unsnooze",
]
