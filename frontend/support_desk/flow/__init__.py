"""The conversation flow: plain typed Python over the store and the upstream clients."""
