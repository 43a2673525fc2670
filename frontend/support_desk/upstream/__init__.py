"""The three upstream services through their generated stubs: deadlines, retries,
request ids, API keys, TLS, and the errors the flow degrades on."""
