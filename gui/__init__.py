"""The drawing workbench: a tkinter window that compares the trained models on digits drawn with the mouse."""
