"""Channel frontends that compose the services through the generated client stubs."""
