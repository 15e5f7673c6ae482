"""An alumnus of the scheme: the record kept after they complete or withdraw."""
