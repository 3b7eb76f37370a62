"""Writers of the outside world's files, each in its published (or documented) layout."""
