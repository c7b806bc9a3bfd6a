"""Real-client (LibreOffice) helpers for tests; see :mod:`tests.lo.client`."""
