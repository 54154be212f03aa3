"""commonsgraph: an open knowledge graph of tiers-lieux, their actors and networks, and the
commons they produce, with the licences that govern them."""

__version__ = "0.1.0"
