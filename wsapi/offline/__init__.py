"""`wsapi offline`: serve a service's WebSocket API locally, with API Gateway's semantics and each function in
its own warm worker processes, as Lambda runs it. `command.py` is the command line, `server.py` the gateway,
`workers.py` the processes. Nothing is imported here, so `wsapi validate` and `export` never load the server
(or need `websockets`)."""
