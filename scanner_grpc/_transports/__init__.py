"""How the clients carry ``get_scan_result``: gRPC or REST, sync or asyncio.

Each transport makes one attempt of a call and raises what its library
raises; the clients retry, and ``_failures`` turns every failure into a
``ScannerError``. A transport module imports its library (grpc, urllib3,
aiohttp) at the top, and a client imports the module only when it is built
with that transport.
"""
