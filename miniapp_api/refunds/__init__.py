"""稳岗返还: the unemployment-insurance job-retention refund (seed 003, 聊人社函〔2021〕38号).

Enterprises insured in a pooling region get back a share of the unemployment-insurance
contributions they actually paid the year before, when they paid in full, laid off few enough
people and are not dishonest. The records (the monthly ledger, size class, credit lists, dispatch
relationships, corporate accounts) arrive through `miniapp import`; a screening computes every
enterprise's conditions and amount in one set-based pass per region and policy year.
"""
