"""`wsapi offline`: serve a service's WebSocket API locally, with API Gateway's semantics and each function in
its own warm worker processes, as Lambda runs it. `command.py` is the command line, `server.py` puts the
pieces together, `gateway.py` is API Gateway's part, `transport.py` the wire (HTTP and WebSocket framing),
`workers.py` the processes and `runtime.py` what runs in them. Nothing is imported here, so `wsapi validate`
and `export` never load the server (or need `websockets`)."""
