"""Serving: the live kiosk (``render serve``: a warm studio behind an HTTP API and a camera page) and
the photo booth's hot folder (``render watch``)."""
