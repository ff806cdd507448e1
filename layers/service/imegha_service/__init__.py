"""What every iMegha Lambda shares: domain errors, request validation, caller identity."""
