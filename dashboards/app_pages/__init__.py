"""One Streamlit page per file, grouped by the staff role that uses it."""
