"""Reading and writing instances and results in their file forms."""
