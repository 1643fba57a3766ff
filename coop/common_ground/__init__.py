"""Common ground: ranking ideas by support across the main divide among members."""
