"""The staff app (`create_staff_app`): pages and API, one router per area."""
