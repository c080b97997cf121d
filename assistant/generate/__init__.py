"""The optional chat-model path: client, generation and checks of what it writes."""
