"""Command line tools for people running the services (outside the service packages)."""
