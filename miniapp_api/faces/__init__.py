"""Face verification over HTTP: challenges, responses, decisions (the `liveness` library does
the looking; this package keeps the decisions, never the frames)."""
