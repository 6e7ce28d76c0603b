"""The mobile pages (H5) a claimant, an employer contact or anyone opens at /m/: what the
mini-program's pages would be, calling only the public API."""
