"""Face liveness and face match, as a library (no Flask, no database).

A claimant is asked for 2–3 actions (turn left, turn right, …); the frames they send back must
show exactly one live face doing those actions in that order, the same person throughout, who
matches the reference photo of the internal records, and not a flat photo held up and tilted.
"""
