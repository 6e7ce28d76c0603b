"""用人单位: termination filings, the duty to hand over the claim notice, reminders,
acknowledgement and escalation, and the agency's compliance view."""
