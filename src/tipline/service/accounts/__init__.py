"""Staff accounts: login (passwords, one-time codes, sessions, tokens), roles, sealed secrets."""
