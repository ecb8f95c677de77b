"""Who someone is and what they may see: users, sign-in and tokens, and the one place for the
403 and 404 rules (`access`)."""
