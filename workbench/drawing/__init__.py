"""Drawing preparation: strokes and pictures of any size turned into the 28x28 images the models take."""
