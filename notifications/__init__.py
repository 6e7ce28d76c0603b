"""Telling people: templates, an outbox, WeChat and SMS channels, receipts, retries."""
