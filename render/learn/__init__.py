"""Learning: the emotion classifier, the filter that keeps one emotion's faces, the PCA basis over
them, and the readout of what the model sees in every frame."""
