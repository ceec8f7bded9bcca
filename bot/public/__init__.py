"""Public pages anyone may open: the landing page behind an enterprise's QR code."""
