"""The synthetic borough: partners' lists as they would really arrive, with ground truth."""
