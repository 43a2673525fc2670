"""Net recovery value: what taking a return back, keep-it or an exchange is worth."""
