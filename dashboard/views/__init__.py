"""One module per page; each is run by st.navigation from dashboard/app.py."""
