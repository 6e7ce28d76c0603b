"""Ways a message reaches a person: WeChat (mini-program subscribe messages, official-account
template messages) and SMS providers, each behind the same small interface."""
