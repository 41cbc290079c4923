"""Typesetting: line-break opportunities for unspaced scripts, and font coverage."""
