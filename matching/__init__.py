"""Pure matcher: snapshot (matching.schema) -> solve (matching.service) -> validated MatchResult.

No database, web or clock: the snapshot is the only input, and the same snapshot always gives
the same proposals. See matching/model.py for why one min-cost-flow solve is lexicographic.
"""
