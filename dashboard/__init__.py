"""The Streamlit board (issue 6): app.py builds the navigation, views/ are the pages."""
