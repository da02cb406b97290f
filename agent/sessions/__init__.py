"""Conversations kept over time: the one door into a chat for the HTTP API and the terminal.

Entry point: `manager.SessionManager` (`open`, `send`, `save`, `restore`, `feedback`, `sync`). `live`
holds the sessions in memory and forgets a shopper across them, `sync` keeps them in step with a store
other servers share, `events` are the typed stream of a turn, `store` the chat tables (on agent/store's
database), `codec` the JSON round trip, `feedback` and `feedback_export` what shoppers and staff said
about a reason, `known_shoppers` the shoppers by id.
"""
