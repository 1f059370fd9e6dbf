"""Who is logged in, from Streamlit's session state. Kept free of the repository layer so that the
entry point and the login page draw before it is imported (the warm-up imports it meanwhile)."""

import streamlit as st

AUTH_KEY = "auth"


def current_user() -> dict | None:
    return st.session_state.get(AUTH_KEY)
