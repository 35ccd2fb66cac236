"""Record linkage: joining people across partners' lists into residents (Splink)."""
