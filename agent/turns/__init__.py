"""Reading a shopper's turn in context: the action (action.py), its prompt rows (rows.py), the model
reader (reader.py: TurnReader, load_reader) and the MiniLM baseline (classifier.py)."""
