"""pallet: a daemonless container toolkit."""

__version__ = "0.1.0"
