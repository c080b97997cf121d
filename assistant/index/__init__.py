"""The index folder: its format and loading, the build, tables, BM25 and the files it is written with."""
