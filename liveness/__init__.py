"""Is this a live person, and the right one. A library: no Flask, no database."""
