"""The official calendar: holiday arrangements entered from the State Council's notices, approved by a second person."""
