"""People: accounts, sign-up and log-in, members and staff, plans."""
