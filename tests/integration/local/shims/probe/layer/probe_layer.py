"""A module that only the probe stack's layer provides."""

MARK = "from the probe layer"
