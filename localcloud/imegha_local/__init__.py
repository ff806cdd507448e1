"""The local cloud: the whole system on one machine, built from the same templates as AWS."""
