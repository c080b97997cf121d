"""The floors the golden set must stay above: the measured figures minus a small margin.

Raise MEASURED when the engine improves (run `python -m eval run --out results.jsonl`)."""

MARGIN = 0.02

# Measured on the bundled corpus with the bundled model (8-bit passage vectors, signed weights), hybrid retrieval.
# Accuracy fell from 0.9939 when a figure left to others (一定比例) began to be said as not stated, and a title that
# is also the topic (活动方案) began to count as the document's name; hit@5 and concise answers fell by one question
# each with the signed 8-bit graph (its vectors rank another passage above one evidence chunk, as full-precision
# vectors do too: hit@5 0.9728 with both).
MEASURED = {
    "accuracy": 0.9817,
    "concise_accuracy": 0.9756,
    "citation_correctness": 0.9864,
    "abstention_accuracy": 1.0,
    "hit@5": 0.9728,
}


def floors() -> dict[str, float]:
    """Metric name to the lowest value the gate accepts."""
    return {name: round(value - MARGIN, 4) for name, value in MEASURED.items()}
