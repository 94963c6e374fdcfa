"""`wsapi offline`: serve a service's WebSocket API locally, with API Gateway's semantics and each function in
its own warm worker processes, as Lambda runs it. `command.py` is the command line, `server.py` puts the
pieces together, `gateway.py` is API Gateway's part, `transport.py` the wire (HTTP and WebSocket framing),
`workers.py` the processes and what runs in them: `runtime.py` for Python functions, `node_runtime.cjs` for
Node.js ones (`runtimes.py` chooses, `node.py` finds Node, `typescript.py` builds TypeScript handlers).
Nothing is imported here, so `wsapi validate` and `export` never load the server (or need `websockets`)."""
