"""The web interface: chat with cited answers, a document viewer, the document library and feedback."""
