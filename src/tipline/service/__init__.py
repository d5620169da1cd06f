"""The hotline service: storage, the reporter app, the staff app, audit and outcome."""
