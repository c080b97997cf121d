"""Text forms: normalization, regions, numbers and token counting."""
