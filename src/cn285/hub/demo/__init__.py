"""The sample company of `cn285 demo`: a French IoT/SaaS seller and a year of its events."""
