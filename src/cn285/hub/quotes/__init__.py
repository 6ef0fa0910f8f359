"""Quotes: versioned offers that become contracts once the customer signs one version."""
