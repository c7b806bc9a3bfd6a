"""Compare a negotiated agreement with the standard: segment, align clauses, diff words, classify."""
