"""Benefit estimates (待遇测算) over the rules, for claimants before they apply."""
