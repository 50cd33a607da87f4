"""Happy Faces: eigenface-projection films of faces drawn toward the face an AI calls happy."""

__version__ = "0.1.0"
__all__ = ["__version__"]
