"""What a reporter sends: reports and follow-up messages, receipts, attached files."""
