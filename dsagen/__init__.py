"""dsagen: research data sharing agreements, generated, compared and tracked."""

__version__ = "0.1.0"
