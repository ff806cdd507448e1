"""The regions the platform's unit tests run with: its own, and one more a user may choose."""

from logic.regions import Regions

REGIONS = Regions("us-east-1", ("us-east-1", "eu-central-1"))
