"""From files to parsed documents and chunks: readers, cleaning, structure and metadata, chunking."""
