"""Conversations kept over time: the one door into a chat for the HTTP API and the terminal.

Entry point: `manager.SessionManager` (`open`, `send`, `save`, `restore`, `feedback`). `events` are the
typed stream of a turn, `store` the SQLite store, `codec` the JSON round trip, `feedback` and
`feedback_export` what shoppers and staff said about a reason, `known_shoppers` the shoppers by id.
"""
