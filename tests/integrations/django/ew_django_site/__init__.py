"""A small Django site for errorwire's tests: one view per way of failing."""
