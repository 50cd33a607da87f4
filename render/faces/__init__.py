"""Faces: the dataset a basis is learnt from, photos read safely, portraits found and framed, and
the subjects each clip morphs."""
