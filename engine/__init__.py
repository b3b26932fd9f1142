"""statewise: declarative workflow engine."""
