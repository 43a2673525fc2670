"""The desk's pages: routes, Jinja2 templates and static files."""
