"""Reports of a comparison: terminal summary, JSON, HTML (and PDF), DOCX redline."""
