"""The reporter app (`create_reporter_app`): report intake and follow-up."""
