"""docker-py's model classes (Container, Image, Volume, Network) over pallet's engine."""
