"""Films: the morph and its timeline, frames composed and overlaid, stills, and the jobs that write
a clip of one face or a layout of many through the encoders."""
