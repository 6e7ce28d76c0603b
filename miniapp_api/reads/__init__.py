"""Fast reads of what a claimant or an employer sees, right the moment a write commits.

Every write to a record a person's or an employer's answers are made of bumps that owner's read
version in the same transaction (database triggers: `triggers.py`), so a rolled-back write bumps
nothing and no writer, the bulk records import and raw SQL included, can forget to. A request
reads its caller's versions with the caller itself (one statement); an answer cached under the
same versions and the same China date is the answer the records would give now.
"""
