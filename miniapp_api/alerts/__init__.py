"""Staff alerts: conditions someone at the agency must act on, kept as rows until resolved."""
