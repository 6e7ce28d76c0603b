"""安全办: periodic cross-checks of benefit recipients against the records, stopping payment for
legal reasons only, and the overpayments a stop leaves for staff to recover."""
