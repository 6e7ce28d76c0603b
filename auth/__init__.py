"""Who is calling: WeChat login, identity binding, tokens, roles, rate limits."""
