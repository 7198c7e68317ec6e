"""The stock API and dashboard (`make serve`): FastAPI on uvicorn over the marts, read-only.

On DuckDB the server reads the snapshot the runner publishes after each successful build
(`serving/publish.py`), so it never holds the database the pipeline writes; on PostgreSQL it
reads through a small pool of read-only connections.
"""
