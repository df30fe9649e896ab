"""The API's routes by domain, each module a chalice blueprint; app.py registers them."""
