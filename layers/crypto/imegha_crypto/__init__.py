"""iMegha crypto layer."""
