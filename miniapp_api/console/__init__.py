"""The agency staff's console (/console/): pages rendered by the server over the same service
functions as the API, behind a password and a second factor, in a cookie session."""
