"""whythis: an explanation agent for online shops."""
