"""From a question to ranked passages: question analysis, filtered hybrid retrieval and fusion."""
