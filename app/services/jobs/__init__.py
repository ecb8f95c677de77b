"""Work done in the background: the scheduler process, deadline reminders and escalations, the
email outbox, in-app notifications, waking the scheduler, and its status report."""
