"""The REST API's routers, one per area; web/app.py includes each."""
