"""The web console: managers answer their tasks, ops watch cohorts and participants.

Server-rendered pages (FastAPI and Jinja2, plain forms, no JavaScript needed). Reads come
from Postgres's read models; every answer goes to the participant's workflow as an
Update, whose validator has the last word. Access rules are domain.access, checked on
every request.
"""
