"""Compare a negotiated agreement with the standard: segment, align, diff words, classify."""
