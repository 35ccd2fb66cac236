"""Places: wards and the postcode lookup that puts residents in them."""
