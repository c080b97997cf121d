"""From ranked passages to a cited answer: candidates, the decision and the wording."""
