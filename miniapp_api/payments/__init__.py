"""失业保险金发放: the monthly payment run, the bank file, and the bank's confirmation — finance
duties, kept apart from the business of deciding claims."""
