"""Law as code: pure functions over dated parameters. No Flask, no database."""
