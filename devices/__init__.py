"""Code that runs on door hardware: importable without Flask or SQLAlchemy."""
